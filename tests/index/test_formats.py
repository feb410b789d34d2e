"""The readers of agent.index.formats on real arXiv metadata: snapshot lines, API Atom feeds, corpus lines."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.errors import InputError
from agent.index.formats import Format, detect_format, detex_name, fold_space, open_records, parse_rfc2822, split_authors
from agent.index.records import IndexRecord

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]
SNAPSHOT, ATOM, CORPUS = DATA / "snapshot-sample.jsonl", DATA / "atom-testing.xml", DATA / "corpus-sample.jsonl"
ERROR_FEED = REPO / "tests" / "data" / "arxiv-wire" / "id_abc_s0_m100_b79c8dcf6bc3.json"
SLICE = REPO / "evals" / "data" / "arxiv-slice" / "papers.jsonl.gz"


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _by_id(path: Path) -> dict[str, IndexRecord]:
    return {r.id: r for r in open_records(path)}


@pytest.mark.parametrize(("path", "expected"), [(SNAPSHOT, Format.SNAPSHOT), (ATOM, Format.ATOM), (CORPUS, Format.CORPUS), (SLICE, Format.CORPUS)])
def test_the_format_is_told_from_the_content(path: Path, expected: Format) -> None:
    assert detect_format(path) is expected


def test_snapshot_lines_become_records() -> None:
    reader = open_records(SNAPSHOT)
    records = {r.id: r for r in reader}
    assert reader.read == len(_lines(SNAPSHOT)) == 8 and reader.skipped == 0
    raw = {json.loads(line)["id"]: json.loads(line) for line in _lines(SNAPSHOT)}
    assert set(records) == set(raw)
    for paper_id, record in records.items():
        assert record.version == len(raw[paper_id]["versions"])
        assert record.published == parse_rfc2822(raw[paper_id]["versions"][0]["created"])
        assert record.updated == parse_rfc2822(raw[paper_id]["versions"][-1]["created"])
        assert record.categories == raw[paper_id]["categories"].split()
        # The snapshot wraps titles and abstracts; the index holds them on one line.
        assert "\n" in raw[paper_id]["abstract"] and "\n" not in record.abstract and "  " not in record.abstract
        assert record.title == " ".join(raw[paper_id]["title"].split())
    two = records["2602.10604"]
    assert two.version == 2 and two.published == dt.datetime(2026, 2, 11, 7, 53, 51, tzinfo=dt.UTC) and two.updated.day == 23
    assert records["2202.12139"].doi == "10.1109/ICSTW55395.2022.00035" and records["2202.12139"].journal_ref
    assert records["2202.12139"].authors == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]  # [last, first] back to "first last"
    assert records["astro-ph/0601001"].categories == ["astro-ph"] and records["quant-ph/0201082"].version == 1


def test_the_same_papers_read_alike_from_the_snapshot_and_the_corpus() -> None:
    snapshot, corpus = _by_id(SNAPSHOT), _by_id(CORPUS)
    shared = set(snapshot) & set(corpus)
    assert len(shared) == 3
    for paper_id in shared:
        assert snapshot[paper_id] == corpus[paper_id]


def test_atom_entries_become_records() -> None:
    reader = open_records(ATOM)
    records = list(reader)
    body = ATOM.read_text(encoding="utf-8")
    ids = re.findall(r"<id>http://arxiv.org/abs/(\S+?)</id>", body)
    assert [f"{r.id}v{r.version}" for r in records] == ids and len(ids) == 10
    primaries = re.findall(r'<arxiv:primary_category term="([^"]+)"', body)
    assert [r.primary_category for r in records] == primaries
    assert all(len(r.categories) == len(set(r.categories)) for r in records)
    # One abstract has a paragraph break in the feed ("...as a whole.\n  Objective. ..."); the index holds one line.
    assert ".\n  Objective." in body
    (review,) = [r for r in records if "Objective." in r.abstract]
    assert "\n" not in review.abstract and "as a whole. Objective. In this systematic review" in review.abstract
    assert records[0].published == dt.datetime(2022, 2, 24, 15, 5, 19, tzinfo=dt.UTC)


def test_an_atom_feed_and_a_snapshot_agree_on_a_paper() -> None:
    atom, snapshot = _by_id(ATOM), _by_id(SNAPSHOT)
    for paper_id in ("2202.12139", "2005.14124"):
        assert atom[paper_id] == snapshot[paper_id]


def test_an_empty_feed_has_no_records(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_text(re.sub(r"<entry>.*?</entry>\s*", "", ATOM.read_text(encoding="utf-8"), flags=re.S), encoding="utf-8")
    assert list(open_records(empty)) == []


def test_arxivs_error_feed_stops_with_its_message(tmp_path: Path) -> None:
    feed = tmp_path / "error.xml"
    feed.write_text(json.loads(ERROR_FEED.read_text(encoding="utf-8"))["body"], encoding="utf-8")
    with pytest.raises(InputError, match="incorrect id format for abc") as caught:
        list(open_records(feed))
    assert str(feed) in caught.value.message


def test_gzip_is_read_whatever_the_name(tmp_path: Path) -> None:
    hidden = tmp_path / "metadata.bin"  # gzipped, but nothing in the name says so
    hidden.write_bytes(gzip.compress(SNAPSHOT.read_bytes()))
    plain = tmp_path / "looks-gzipped.json.gz"  # the name says gzip, the content is plain
    plain.write_bytes(SNAPSHOT.read_bytes())
    expected = list(open_records(SNAPSHOT))
    assert detect_format(hidden) is Format.SNAPSHOT and list(open_records(hidden)) == expected
    assert list(open_records(plain)) == expected


def test_bad_records_are_skipped_counted_and_located(tmp_path: Path) -> None:
    lines = _lines(SNAPSHOT)
    broken = json.loads(lines[2])
    del broken["versions"]
    bad_id = json.loads(lines[3]) | {"id": "not-an-id"}
    mixed = [*lines[:2], '{"id": "2602.1", "title": \n', json.dumps(broken) + "\n", "\n", json.dumps(bad_id) + "\n", *lines[2:]]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(mixed), encoding="utf-8")
    reader = open_records(path)
    assert len(list(reader)) == 8 and reader.read == 8 and reader.skipped == 3
    assert [p.split(": ", 1)[0] for p in reader.problems] == [f"{path}:3", f"{path}:4", f"{path}:6"]
    assert "not valid JSON" in reader.problems[0] and "'versions'" in reader.problems[1] and "'not-an-id' is not an arXiv ID" in reader.problems[2]


def test_a_file_of_unreadable_records_stops(tmp_path: Path) -> None:
    path = tmp_path / "none.jsonl"
    path.write_text("".join(json.dumps(json.loads(line) | {"versions": []}) + "\n" for line in _lines(SNAPSHOT)), encoding="utf-8")
    with pytest.raises(InputError, match=r"none of its 8 record\(s\) could be read"):
        list(open_records(path))


def test_a_record_that_breaks_the_model_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    lines = _lines(CORPUS)
    path.write_text(json.dumps(json.loads(lines[0]) | {"version": 0}) + "\n" + "".join(lines[1:]), encoding="utf-8")
    reader = open_records(path)
    assert len(list(reader)) == len(lines) - 1 and reader.problems[0].startswith(f"{path}:1: version")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (b"\n\n  \n", "the file is empty"),
        (b"id,title\n2602.10439,AudioRouter\n", "neither JSON lines nor XML"),
        (b'{"paper": "2602.10439"}\n', "JSON of an unknown shape"),
        (b"{not json\n", "the first line is not a JSON object"),
        (b"<?xml version='1.0'?>\n<html><body>Service unavailable</body></html>", "not an Atom feed"),
        (b"%PDF-1.7\n", "neither JSON lines nor XML"),
    ],
)
def test_an_unrecognised_file_stops_naming_it(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=problem) as caught:
        open_records(path)
    assert caught.value.message.startswith(str(path)) and caught.value.exit_code == 2


def test_an_oai_page_is_not_taken_for_a_feed() -> None:
    with pytest.raises(InputError, match="not an Atom feed"):
        open_records(DATA / "oai-raw-page1.xml")


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_records(tmp_path / "nowhere.jsonl")


def test_a_cut_gzip_stops_with_the_line_it_reached(tmp_path: Path) -> None:
    whole = SLICE.read_bytes()
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    reader = open_records(path)
    with pytest.raises(InputError, match=r"cut\.jsonl\.gz:\d+: the file is damaged or cut short"):
        for _ in reader:
            pass
    assert 0 < reader.read < 4229


def test_a_cut_feed_stops_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    body = ATOM.read_bytes()
    path.write_bytes(body[: len(body) // 2])
    with pytest.raises(InputError, match=r"cut\.xml:\d+: not well-formed XML"):
        list(open_records(path))


def test_reading_streams_instead_of_loading_the_file() -> None:
    reader = open_records(SLICE)
    records = iter(reader)
    next(records)
    # One record in, only the first buffers of a 2.5 MB file have been read.
    assert 0 < reader.position() < reader.size // 4
    for _ in records:
        pass
    assert reader.position() == reader.size


def test_the_slice_reads_whole_and_keeps_its_rule() -> None:
    reader = open_records(SLICE)
    records = list(reader)
    readme = (SLICE.parent / "README.md").read_text(encoding="utf-8")
    assert reader.skipped == 0 and f"({len(records):,} papers)" in readme
    assert len({r.id for r in records}) == len(records)
    allowed = {"cs.CL", "cs.AI", "cs.LG", "cs.MA", "cs.IR", "cs.CY", "cs.HC"}
    assert all(r.primary_category in allowed and dt.date(2026, 2, 1) <= r.published.date() <= dt.date(2026, 3, 31) for r in records)


def test_corpus_primary_category_comes_first(tmp_path: Path) -> None:
    line = json.loads(_lines(CORPUS)[0])
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(line | {"categories": list(reversed(line["categories"]))}) + "\n", encoding="utf-8")
    (record,) = open_records(path)
    assert record.categories[0] == line["primary_category"] and sorted(record.categories) == sorted(line["categories"])


def test_author_strings_split_into_names() -> None:
    text = "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky (ANL, Argonne), C.-P. Yuan and J. Smith, Jr."
    assert split_authors(text) == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan", "J. Smith Jr."]
    assert split_authors("Mohamed Huti, Robin A. A. Ince and Oliver G. B. Garrod") == ["Mohamed Huti", "Robin A. A. Ince", "Oliver G. B. Garrod"]


@pytest.mark.parametrize(
    ("tex", "name"),
    [('M{\\"u}ller', "Müller"), ("\\c{C}a\\u{g}lar", "Çağlar"), ("Bj\\o rn", "Bjørn"), ("Stra\\ss e", "Straße"), ("J\\'{\\i}", "Jí"), ("Lelièvre", "Lelièvre")],
)
def test_tex_accents_in_names_are_decoded(tex: str, name: str) -> None:
    assert detex_name(tex) == name


def test_a_hyphen_at_a_line_end_joins_the_words() -> None:
    assert fold_space("achieving 85.4% on IMO-\nAnswerBench and\n  more") == "achieving 85.4% on IMO-AnswerBench and more"
    assert fold_space("a trailing -\n dash") == "a trailing - dash"


@given(st.text())
def test_folding_space_is_idempotent_and_leaves_no_runs(text: str) -> None:
    folded = fold_space(text)
    assert fold_space(folded) == folded and "  " not in folded and "\n" not in folded and folded == folded.strip()


@given(st.datetimes(min_value=dt.datetime(1991, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_rfc2822_dates_read_back_to_the_second(when: dt.datetime) -> None:
    when = when.replace(microsecond=0, tzinfo=dt.UTC)
    assert parse_rfc2822(format_datetime(when, usegmt=True)) == when
