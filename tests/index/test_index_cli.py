"""`retest index build`, `update` and `info` end to end: real files, the real engine, an OAI-PMH stand-in on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from agent.cli import index_cmd
from agent.cli import run as cli
from agent.errors import ExitCode
from agent.index import oai
from tests.sources.standin import loopback

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]
SNAPSHOT, ATOM, CORPUS = DATA / "snapshot-sample.jsonl", DATA / "atom-testing.xml", DATA / "corpus-sample.jsonl"
SLICE = REPO / "evals" / "data" / "arxiv-slice" / "papers.jsonl.gz"


def _categories(path: Path) -> dict[str, set[str]]:
    """Each paper's categories in a fixture, read without the readers under test."""
    if path.suffix == ".xml":
        entries = re.findall(r"<entry>(.*?)</entry>", path.read_text(encoding="utf-8"), flags=re.S)
        return {re.findall(r"<id>http://arxiv.org/abs/(\S+?)v\d+</id>", e)[0]: set(re.findall(r'term="([^"]+)"', e)) for e in entries}
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return {r["id"]: set(r["categories"].split() if isinstance(r["categories"], str) else r["categories"]) for r in rows}


def _ids(path: Path) -> set[str]:
    return set(_categories(path))


def _info(index: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert cli(["index", "info", "--index", str(index), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_build_then_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = tmp_path / "idx"
    assert cli(["index", "build", str(SNAPSHOT), str(ATOM), "--index", str(index)]) == 0
    err = capsys.readouterr().err
    papers = len(_ids(SNAPSHOT) | _ids(ATOM))  # two papers are in both files: each is indexed once
    assert f"indexed {papers} papers (18 records read from 2 file(s))" in err and "records" in err
    info = _info(index, capsys)
    assert info["papers"] == papers == 16 and info["path"] == str(index)
    assert info["sources"] == [f"{SNAPSHOT.resolve()} (snapshot)", f"{ATOM.resolve()} (atom)"]
    published = [parsedate_to_datetime(json.loads(line)["versions"][0]["created"]) for line in SNAPSHOT.read_text().splitlines()]
    published += [dt.datetime.fromisoformat(p) for p in re.findall(r"<published>(\S+)</published>", ATOM.read_text())]
    assert info["first_published"] == min(published).isoformat().replace("+00:00", "Z")
    assert info["last_published"] == max(published).isoformat().replace("+00:00", "Z")
    every = _categories(SNAPSHOT) | _categories(ATOM)
    for category in ("cs.SE", "cs.AI", "cs.LG", "quant-ph"):
        assert info["categories"][category] == sum(category in cats for cats in every.values()), category


def test_info_prints_a_summary_and_the_top_categories(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = tmp_path / "idx"
    assert cli(["index", "build", str(SLICE), "--index", str(index)]) == 0
    capsys.readouterr()
    assert cli(["index", "info", "--index", str(index), "--top", "3"]) == 0
    text = capsys.readouterr().out
    assert "4,229" in text and "2026-02-03" in text and "2026-03-31" in text and str(SLICE.resolve()) in text
    listed = re.findall(r"│ (\S+)\s+│\s+([\d,]+) │", text)
    assert [name for name, _ in listed] == ["cs.AI", "cs.CL", "cs.LG"]


def test_the_default_index_is_in_the_state_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["index", "build", str(CORPUS)]) == 0
    assert (tmp_path / ".retest" / "index" / "info.json").is_file()  # conftest sets RETEST_HOME to tmp_path/.retest
    assert cli(["index", "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["papers"] == len(_ids(CORPUS))


def test_a_bad_file_stops_the_build_and_keeps_the_old_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = tmp_path / "idx"
    assert cli(["index", "build", str(CORPUS), "--index", str(index)]) == 0
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(SLICE.read_bytes()[:200_000])
    capsys.readouterr()
    assert cli(["index", "build", str(SNAPSHOT), str(cut), "--index", str(index)]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert "the file is damaged or cut short" in err and str(cut) in err and "Traceback" not in err
    assert _info(index, capsys)["papers"] == len(_ids(CORPUS))


def test_an_unrecognised_file_stops_before_anything_is_built(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not metadata\n", encoding="utf-8")
    assert cli(["index", "build", str(SNAPSHOT), str(notes), "--index", str(tmp_path / "idx")]) == ExitCode.BAD_INPUT
    assert "neither JSON lines nor XML" in capsys.readouterr().err and not (tmp_path / "idx").exists()


def test_skipped_records_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(SNAPSHOT.read_text(encoding="utf-8") + '{"id": "2602.10439", "versions": []}\n', encoding="utf-8")
    assert cli(["index", "build", str(mixed), "--index", str(tmp_path / "idx")]) == 0
    err = capsys.readouterr().err
    assert "skipped 1 record(s)" in err and f"{mixed}:9: no 'versions'" in err


def test_info_without_an_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["index", "info", "--index", str(tmp_path / "none")]) == ExitCode.BAD_INPUT
    assert "retest index build" in capsys.readouterr().err


@dataclass
class OaiStandin:
    """OAI-PMH on 127.0.0.1: page 1 for a first request, page 2 for a resumption token; or one fixed answer."""

    fixed: str | None = None
    queries: list[dict[str, str]] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    url: str = ""

    def body(self, query: dict[str, str]) -> bytes:
        name = self.fixed or ("oai-raw-page2.xml" if "resumptionToken" in query else "oai-raw-page1.xml")
        return (DATA / name).read_bytes()


def _answer(standin: OaiStandin, request: BaseHTTPRequestHandler) -> None:
    query = {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}
    standin.queries.append(query)
    standin.agents.append(request.headers.get("User-Agent", ""))
    body = standin.body(query)
    request.send_response(200)
    request.send_header("Content-Type", "text/xml; charset=utf-8")
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)


@contextmanager
def serving(standin: OaiStandin) -> Iterator[OaiStandin]:
    with loopback(lambda request: _answer(standin, request)) as port:
        standin.url = f"http://127.0.0.1:{port}/oai"
        yield standin


@pytest.fixture
def no_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's client without the 3 s between pages (the delay itself is tested in test_oai.py)."""
    monkeypatch.setattr(oai, "OaiClient", functools.partial(oai.OaiClient, delay=0.0))


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_update_harvests_from_the_day_after_the_last_paper(tmp_path: Path, capsys: pytest.CaptureFixture[str], no_delay: None) -> None:
    index = tmp_path / "idx"
    assert cli(["index", "build", str(SNAPSHOT), "--index", str(index)]) == 0
    before = _info(index, capsys)
    with serving(OaiStandin()) as standin:
        assert cli(["index", "update", "--index", str(index), "--set", "cs.AI", "--oai-url", standin.url]) == 0
    err = capsys.readouterr().err
    assert standin.queries[0] == {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2026-02-12", "set": "cs:cs:AI"}
    assert len(standin.queries) == 2 and "resumptionToken" in standin.queries[1]
    assert all(agent.startswith("retest/") for agent in standin.agents)
    assert "5 record(s) harvested in 2 page(s), 1 deleted at arXiv" in err
    after = _info(index, capsys)
    assert after["papers"] == before["papers"] + 5 and after["updated_at"] and after["built_at"] == before["built_at"]
    assert after["sources"][-1] == f"OAI-PMH {standin.url} from 2026-02-12 set cs.AI"


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_update_with_nothing_new_leaves_the_index_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str], no_delay: None) -> None:
    index = tmp_path / "idx"
    assert cli(["index", "build", str(SNAPSHOT), "--index", str(index)]) == 0
    before = _info(index, capsys)
    with serving(OaiStandin(fixed="oai-error-noRecordsMatch.xml")) as standin:
        assert cli(["index", "update", "--index", str(index), "--from", "2026-04-01", "--oai-url", standin.url]) == 0
    assert standin.queries[0]["from"] == "2026-04-01" and "nothing new" in capsys.readouterr().err
    assert _info(index, capsys) == before


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_update_with_a_bad_set_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], no_delay: None) -> None:
    index = tmp_path / "idx"
    assert cli(["index", "build", str(SNAPSHOT), "--index", str(index)]) == 0
    capsys.readouterr()
    with serving(OaiStandin(fixed="oai-error-badArgument.xml")) as standin:
        assert cli(["index", "update", "--index", str(index), "--set", "nonsense", "--oai-url", standin.url]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert "badArgument" in err and "Traceback" not in err


def test_update_when_up_to_date_asks_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "idx"
    assert cli(["index", "build", str(SNAPSHOT), "--index", str(index)]) == 0
    monkeypatch.setattr(index_cmd, "_today", lambda: dt.date(2026, 2, 11))  # the day of the index's last paper
    monkeypatch.setattr(oai, "OaiClient", None)  # any request would fail loudly
    assert cli(["index", "update", "--index", str(index)]) == 0
    assert "the index is up to date" in capsys.readouterr().err


def test_update_without_an_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["index", "update", "--index", str(tmp_path / "none")]) == ExitCode.BAD_INPUT
    assert "retest index build" in capsys.readouterr().err


def test_the_help_default_is_the_clients() -> None:
    assert index_cmd.OAI_DEFAULT == oai.OAI_BASE_URL
