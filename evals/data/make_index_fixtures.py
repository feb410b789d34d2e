"""Write the fixtures of tests/index/data from real arXiv metadata (see README.md there for what is real).

    .venv/bin/python evals/data/make_index_fixtures.py PATH/TO/shared/data

A maintainer's tool, not a test: it reads the team's shared data, and the tests read only its output.

reads `arxiv-corpus/corpus.jsonl.gz` and `arxiv/wire/*.json` under that directory.
Records are taken by fixed rules (corpus order, the first that qualify), so the same
data gives the same files. Nothing here is fetched from the network.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape, quoteattr

OUT = Path(__file__).resolve().parents[2] / "tests" / "index" / "data"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
WIRE_FEED = "q_testing_s0_m10_bc5a6c384fe9.json"  # ten real search results, one abstract with a paragraph break
WIRE_FOR_SNAPSHOT = {  # entries with a journal ref and DOI, old-style IDs, a second version
    "q_testing_s0_m10_bc5a6c384fe9.json": ("2202.12139v1", "2005.14124v2"),
    "id_astro-ph_0601001_s0_m100_3150dca9dc76.json": ("astro-ph/0601001v1",),
    "id_quant-ph_0201082v1_s0_m100_86989fe779ef.json": ("quant-ph/0201082v1",),
}
GROUPS = {"cs", "econ", "eess", "math", "q-bio", "q-fin", "stat"}
# arXiv's own descriptions of its OAI errors (github.com/arXiv/oaipmh, oaipmh/data/oai_errors.py).
OAI_ERRORS = {
    "noRecordsMatch": "The combination of the values of the from, until, set and metadataPrefix arguments results in an empty list.",
    "badResumptionToken": "The value of the resumptionToken argument is invalid or expired.",
    "badArgument": "The request includes illegal arguments, is missing required arguments, includes a repeated argument, or values for arguments have an illegal syntax.",
}


def rfc2822(iso: str) -> str:
    """'2026-02-11T02:30:48Z' as arXiv writes version dates: 'Wed, 11 Feb 2026 02:30:48 GMT'."""
    when = dt.datetime.fromisoformat(iso).astimezone(dt.UTC)
    return when.strftime("%a, ") + f"{when.day} " + when.strftime("%b %Y %H:%M:%S GMT")


def versions(paper: dict[str, Any]) -> list[str]:
    """The dates of every version, known exactly only for v1 (published) and, for v2, updated."""
    assert paper["version"] in (1, 2), paper["id"]
    return [paper["published"]] + ([paper["updated"]] if paper["version"] == 2 else [])


def split_name(name: str) -> tuple[str, str]:
    """(keyname, forenames): the last word is taken as the surname (arXiv's own split is not in the sources)."""
    first, _, last = name.rpartition(" ")
    return last, first


def from_wire(data: Path) -> list[dict[str, Any]]:
    papers = []
    for name, wanted in WIRE_FOR_SNAPSHOT.items():
        feed = ET.fromstring(json.loads((data / "arxiv" / "wire" / name).read_text())["body"])
        for entry in feed.iter(f"{ATOM}entry"):
            short = entry.findtext(f"{ATOM}id", "").rpartition("/abs/")[2]
            if short not in wanted:
                continue
            base, _, version = short.rpartition("v")
            primary = entry.find(f"{ARXIV}primary_category")
            cats = [primary.get("term")] if primary is not None else []
            papers.append(
                {
                    "id": base,
                    "version": int(version),
                    "title": entry.findtext(f"{ATOM}title"),
                    "abstract": entry.findtext(f"{ATOM}summary"),
                    "authors": [a.findtext(f"{ATOM}name") for a in entry.iter(f"{ATOM}author")],
                    "categories": list(dict.fromkeys(cats + [c.get("term") for c in entry.iter(f"{ATOM}category")])),
                    "published": entry.findtext(f"{ATOM}published"),
                    "updated": entry.findtext(f"{ATOM}updated"),
                    "comment": entry.findtext(f"{ARXIV}comment"),
                    "journal_ref": entry.findtext(f"{ARXIV}journal_ref"),
                    "doi": entry.findtext(f"{ARXIV}doi"),
                }
            )
    return papers


def snapshot_line(paper: dict[str, Any]) -> str:
    """The paper in the bulk snapshot's layout: titles wrapped with an indent, abstracts wrapped at 80 columns."""
    record = {
        "id": paper["id"],
        "authors": ", ".join(paper["authors"]),
        "title": "\n  ".join(textwrap.wrap(paper["title"], 70, break_on_hyphens=False)),
        "comments": paper["comment"],
        "journal-ref": paper["journal_ref"],
        "doi": paper["doi"],
        "categories": " ".join(paper["categories"]),
        "abstract": "  " + "\n".join(textwrap.wrap(paper["abstract"], 80, break_on_hyphens=False)) + "\n",
        "versions": [{"version": f"v{n}", "created": rfc2822(d)} for n, d in enumerate(versions(paper), 1)],
        "update_date": paper["updated"][:10],
        "authors_parsed": [[*split_name(a), ""] for a in paper["authors"]],
    }
    return json.dumps(record, ensure_ascii=False)


def set_specs(categories: list[str]) -> list[str]:
    specs = []
    for cat in categories:
        archive, _, sub = cat.partition(".")
        specs.append(f"{archive}:{archive}:{sub}" if archive in GROUPS else f"physics:{cat.replace('.', ':')}")
    return list(dict.fromkeys(specs))


def oai_header(paper: dict[str, Any], deleted: bool = False) -> str:
    sets = "".join(f"\n        <setSpec>{s}</setSpec>" for s in set_specs(paper["categories"]))
    status = ' status="deleted"' if deleted else ""
    return f"""      <header{status}>
        <identifier>oai:arXiv.org:{paper["id"]}</identifier>
        <datestamp>{paper["updated"][:10]}</datestamp>{sets}
      </header>"""


def authors_string(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def optional(tag: str, value: str | None) -> str:
    return f"\n          <{tag}>{escape(value)}</{tag}>" if value else ""


def raw_record(paper: dict[str, Any]) -> str:
    vs = "".join(f'\n          <version version="v{n}">\n            <date>{rfc2822(d)}</date>\n          </version>' for n, d in enumerate(versions(paper), 1))
    return f"""    <record>
{oai_header(paper)}
      <metadata>
        <arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">
          <id>{paper["id"]}</id>{vs}
          <title>{escape(paper["title"])}</title>
          <authors>{escape(authors_string(paper["authors"]))}</authors>
          <categories>{" ".join(paper["categories"])}</categories>{optional("comments", paper["comment"])}{optional("journal-ref", paper["journal_ref"])}{optional("doi", paper["doi"])}
          <abstract>{escape(paper["abstract"])}</abstract>
        </arXivRaw>
      </metadata>
    </record>
"""


def arxiv_record(paper: dict[str, Any]) -> str:
    authors = "".join(
        f"\n            <author>\n              <keyname>{escape(k)}</keyname>\n              <forenames>{escape(f)}</forenames>\n            </author>"
        for k, f in map(split_name, paper["authors"])
    )
    updated = f"\n          <updated>{paper['updated'][:10]}</updated>" if paper["version"] > 1 else ""
    return f"""    <record>
{oai_header(paper)}
      <metadata>
        <arXiv xmlns="http://arxiv.org/OAI/arXiv/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://arxiv.org/OAI/arXiv/ http://arxiv.org/OAI/arXiv.xsd">
          <id>{paper["id"]}</id>
          <created>{paper["published"][:10]}</created>{updated}
          <authors>{authors}
          </authors>
          <title>{escape(paper["title"])}</title>
          <categories>{" ".join(paper["categories"])}</categories>{optional("comments", paper["comment"])}
          <abstract>{escape(paper["abstract"])}</abstract>
        </arXiv>
      </metadata>
    </record>
"""


def envelope(request: dict[str, str], inner: str) -> str:
    attrs = "".join(f" {k}={quoteattr(v)}" for k, v in request.items())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
  <responseDate>2026-04-12T22:10:19Z</responseDate>
  <request{attrs}>https://oaipmh.arxiv.org/oai</request>
{inner}</OAI-PMH>
"""


def write(name: str, text: str) -> None:
    (OUT / name).write_text(text, encoding="utf-8")
    print(f"{name}: {len(text)} characters")


def main(data: Path) -> None:
    with gzip.open(data / "arxiv-corpus" / "corpus.jsonl.gz", "rt", encoding="utf-8") as lines:
        rows = [line for line in lines]
    papers = [json.loads(line) for line in rows]
    exact = [p for p in papers if not p["dates_estimated"] and p["version"] <= 2]
    write("snapshot-sample.jsonl", "".join(snapshot_line(p) + "\n" for p in exact[:4] + from_wire(data)))
    estimated = [i for i, p in enumerate(papers) if p["dates_estimated"]][:3]
    exact_rows = [i for i, p in enumerate(papers) if not p["dates_estimated"]][:3]
    write("corpus-sample.jsonl", "".join(rows[i] for i in estimated + exact_rows))
    write("atom-testing.xml", json.loads((data / "arxiv" / "wire" / WIRE_FEED).read_text())["body"])

    first, second, by_arxiv = exact[4:7], exact[7:9], exact[9:11]
    ask = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2026-02-11", "set": "cs"}
    # arXiv's tokens are the first request's arguments plus a skip count, urlencoded and quoted (oaipmh/processors/resume.py).
    token = f"  <resumptionToken expires='2026-04-13T00:00:00Z'>{quote(urlencode(ask | {'skip': 3}))}</resumptionToken>\n"
    write("oai-raw-page1.xml", envelope(ask, "  <ListRecords>\n" + "".join(map(raw_record, first)) + token + "  </ListRecords>\n"))
    deleted = f"    <record>\n{oai_header(exact[11], deleted=True)}\n    </record>\n"
    inner = "".join(map(raw_record, second)) + deleted
    write(
        "oai-raw-page2.xml",
        envelope(
            {"verb": "ListRecords", "resumptionToken": quote(urlencode(ask | {"skip": 3}))},
            "  <ListRecords>\n" + inner + "    <resumptionToken/>\n  </ListRecords>\n",
        ),
    )
    write("oai-arxiv-page.xml", envelope(ask | {"metadataPrefix": "arXiv"}, "  <ListRecords>\n" + "".join(map(arxiv_record, by_arxiv)) + "  </ListRecords>\n"))
    for code, text in OAI_ERRORS.items():
        write(f"oai-error-{code}.xml", envelope({}, f"  <error code='{code}'>{text}</error>\n"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
