"""Generate the arXiv cassettes under cassettes/tests/arxiv/ (hand-made, not recorded).

Run from the repository root:  .venv/bin/python tests/sources/build_cassettes.py
test_cassettes_current.py fails when a committed cassette differs from what
this script would write, so edit here, never the YAML.

Paper metadata is real (evals/data/arxiv-papers.json); abstracts are our own
words; version numbers, `updated` dates and the 503 answers are chosen for the
tests and are not copied from arXiv.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from evals.authoring import arxiv_wire as w  # noqa: E402

CASSETTE_DIR = REPO / "cassettes" / "tests" / "arxiv"

# Searches without --until end "today"; tests pass this date so URLs are fixed.
TODAY = dt.date(2026, 11, 20)

SEARCH = {
    "query": "AI agents governance",
    "since": dt.date(2025, 1, 1),
    "until": dt.date(2025, 12, 31),
    "max_results": 5,
    "sort": "submitted",
}
# Newest first, as sort=submitted returns them; 2501.10114 comes back as v2.
SEARCH_HITS = ["2510.26787", "2510.25779", "2509.10147", "2501.10114", "2501.07913"]

FOUND_MISSING_IDS = ["2501.16946", "2306.14694", "0808.05394"]  # 0808.05394: arXiv's real 200-and-empty case
MALFORMED_BATCH = ["2507.13524", "bogus/9901001"]  # an unknown archive passes our shape check
RETRY_ID = ["2602.11865"]


def _gradual_disempowerment_v2() -> w.WireEntry:
    return w.entry("2501.16946", version=2, updated=dt.date(2025, 1, 29))


def _dr_hai(version: int) -> w.WireEntry:
    # The current (v2) title differs from the one the line cites; v1 carried the cited one.
    if version == 1:
        return w.entry("2306.14694", version=1, title=w.catalog()["2306.14694"]["earlier_title"])
    return w.entry("2306.14694", version=2, updated=dt.date(2024, 2, 1))


def cassettes() -> dict[str, list[dict[str, Any]]]:
    """Every cassette by file name, as lists of vcrpy interactions."""
    search_entries = [w.entry("2501.10114", version=2, updated=dt.date(2025, 2, 10)) if hit == "2501.10114" else hit for hit in SEARCH_HITS]
    return {
        "search_window.yaml": [w.search_interaction(entries=search_entries, today=TODAY, total_results=214, **SEARCH)],
        "lookup_found_missing.yaml": [
            w.lookup_interaction(FOUND_MISSING_IDS, [_gradual_disempowerment_v2(), _dr_hai(2)]),
        ],
        "lookup_first_version.yaml": [w.lookup_interaction(["2306.14694v1"], [_dr_hai(1)])],
        "lookup_malformed.yaml": [
            w.error_400_interaction(MALFORMED_BATCH, "bogus/9901001"),
            w.lookup_interaction(["2507.13524"], ["2507.13524"]),
            w.error_400_interaction("bogus/9901001"),
        ],
        "lookup_503_then_ok.yaml": [
            w.status_interaction(w.lookup_url(RETRY_ID), 503),
            w.lookup_interaction(RETRY_ID, ["2602.11865"]),
        ],
        "lookup_503_twice.yaml": [
            w.status_interaction(w.lookup_url(RETRY_ID), 503),
            w.status_interaction(w.lookup_url(RETRY_ID), 503),
        ],
    }


def main() -> None:
    for name, interactions in cassettes().items():
        path = w.write_cassette(CASSETTE_DIR / name, interactions)
        print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
