"""Write evals/data/arxiv-slice/papers.jsonl.gz: the corpus records that the rule below selects, unchanged.

    .venv/bin/python evals/data/arxiv-slice/make_slice.py /work/shared/data/arxiv-corpus/corpus.jsonl.gz

Rule: primary category in CATEGORIES and `published` (as the corpus gives it, UTC) in
[START, END). Records keep every field and the corpus order, and the gzip has no
timestamp, so the same corpus gives a byte-identical file. Prints the counts README.md cites.
"""

from __future__ import annotations

import collections
import gzip
import json
import sys
from pathlib import Path

CATEGORIES = frozenset({"cs.CL", "cs.AI", "cs.LG", "cs.MA", "cs.IR", "cs.CY", "cs.HC"})
START, END = "2026-02-01", "2026-04-01"  # two months, compared as ISO strings: "2026-03-31T23:59:59Z" < END
OUT = Path(__file__).parent / "papers.jsonl.gz"


def selected(record: dict[str, object]) -> bool:
    """The slice's rule, on one corpus record."""
    published = str(record["published"])
    return record["primary_category"] in CATEGORIES and START <= published < END


def main(corpus: Path) -> None:
    kept: list[str] = []
    primary: collections.Counter[str] = collections.Counter()
    exact = 0
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if selected(record):
                kept.append(line if line.endswith("\n") else line + "\n")
                primary[str(record["primary_category"])] += 1
                exact += not record["dates_estimated"]
    with gzip.GzipFile(OUT, "wb", mtime=0) as out:
        out.write("".join(kept).encode("utf-8"))
    print(f"{len(kept)} papers -> {OUT} ({OUT.stat().st_size:,} bytes); exact dates: {exact}")
    print("primary:", dict(primary.most_common()))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
