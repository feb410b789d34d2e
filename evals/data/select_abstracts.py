"""Write tests/data/arxiv-abstracts-200.jsonl.gz: 200 real abstracts, chosen for what quoting them must survive.

    .venv/bin/python evals/data/select_abstracts.py PATH/TO/arxiv-corpus/corpus.jsonl.gz

A maintainer's tool, not a test: it reads the team's large corpus, and the tests read only its output.

Each record keeps `id`, `title` and `abstract` exactly as the corpus has them.
The kinds are taken in this order, each paper counted under the first kind it
shows, each kind sampled with a fixed seed, so the same corpus gives the same file.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "arxiv-abstracts-200.jsonl.gz"
KINDS: list[tuple[str, int, re.Pattern[str]]] = [
    ("hyphen at a line end", 30, re.compile(r"\w-\n\w")),
    ("TeX accent", 20, re.compile(r"\\['\"`^~]")),
    ("TeX math", 60, re.compile(r"\$[^$]+\$")),
    ("TeX quotes", 30, re.compile(r"``")),
    ("TeX dash", 30, re.compile(r"\w--\w|\s--\s")),
    ("plain", 30, re.compile(r"^[^$\\`]*$")),
]


def main(corpus: Path) -> None:
    pools: dict[str, list[dict[str, str]]] = {name: [] for name, _, _ in KINDS}
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            kind = next((name for name, _, pattern in KINDS if pattern.search(record["abstract"])), None)
            if kind is not None:
                pools[kind].append({"id": record["id"], "title": record["title"], "abstract": record["abstract"]})
    chosen = [item for name, count, _ in KINDS for item in random.Random(f"issue-18 {name}").sample(pools[name], count)]
    with gzip.GzipFile(OUT, "wb", mtime=0) as out:
        out.write("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in chosen).encode("utf-8"))
    print(f"{len(chosen)} abstracts -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
