"""The demo line replayed with citation sources on (cassettes/citations/bargaining-power.yaml), once per session, copied per test."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.runs import list_runs
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "citations" / "bargaining-power.yaml"
KEYS = ("SEMANTIC_SCHOLAR_API_KEY", "OPENALEX_API_KEY", "RETEST_CONTACT", "RETEST_CITATIONS", "RETEST_SOURCES")


@dataclass(frozen=True)
class CitedDemo:
    home: Path
    run_id: str
    output: str

    def store(self) -> Store:
        return Store.open(self.home / "retest.db")


@pytest.fixture(scope="session")
def cited_template(tmp_path_factory: pytest.TempPathFactory) -> CitedDemo:
    root = tmp_path_factory.mktemp("cited-demo")
    home = root / ".retest"
    line = root / LINE.name
    shutil.copy2(LINE, line)
    with pytest.MonkeyPatch.context() as mp:
        for key in KEYS:
            mp.delenv(key, raising=False)
        mp.setenv("RETEST_HOME", str(home))
        import io
        from contextlib import redirect_stdout

        out = io.StringIO()
        with redirect_stdout(out):
            code = cli(["run", str(line), "--replay", str(CASSETTE), "--citations", "--report"])
    assert code == 0, "the citations demo cassette must replay through the CLI"
    with Store.open(home / "retest.db") as store:
        (run,) = list_runs(store)
    return CitedDemo(home, run.id, out.getvalue())


@pytest.fixture
def cited(cited_template: CitedDemo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CitedDemo:
    home = tmp_path / ".retest"
    shutil.copytree(cited_template.home, home)
    monkeypatch.setenv("RETEST_HOME", str(home))
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    return CitedDemo(home, cited_template.run_id, cited_template.output)
