"""The eval's anchor fit accuracy: a wrong link, basis or fit, or a fit without its quote, is a miss that says so."""

from __future__ import annotations

from agent.evaluate.scorers import score_fits
from agent.evaluate.suite import FitExpect
from agent.graph.records import AnchorCheck, AnchorFit, FitKind
from agent.sources.models import LookupStatus


def _check(claims: list[str], fit: FitKind, *, quote: str = "people choose between human and AI partners", basis: str = "model") -> AnchorCheck:
    fits = [AnchorFit(anchor_id="A1", arxiv_id="2507.13524", claim_id=c, fit=fit, quote=quote) for c in claims]
    return AnchorCheck(
        anchor_id="A1", arxiv_id="2507.13524", status=LookupStatus.FOUND, cited_title="t", cited_date="2025", claims=claims, fits=fits, link_basis=basis
    )


def test_the_expected_link_and_fit_is_a_hit() -> None:
    ratio = score_fits({"anchor_checks": [_check(["C2"], FitKind.BACKS_PART)]}, {"A1": FitExpect(claim="C2", fit=FitKind.BACKS_PART, by="model")})
    assert (ratio.hits, ratio.total) == (1, 1)


def test_each_way_of_getting_it_wrong_is_a_miss_with_its_reason() -> None:
    want = {"A1": FitExpect(claim="C2", fit=FitKind.BACKS_PART, by="model")}
    cases = {
        "linked to C1": _check(["C1"], FitKind.BACKS_PART),
        "linked by word overlap": _check(["C2"], FitKind.BACKS_PART, basis="word overlap"),
        "fit backs, expected backs_part": _check(["C2"], FitKind.BACKS),
        "without a checked quote": _check(["C2"], FitKind.BACKS_PART, quote=""),
    }
    for reason, check in cases.items():
        ratio = score_fits({"anchor_checks": [check]}, want)
        assert (ratio.hits, ratio.total) == (0, 1), reason
        assert reason in ratio.misses[0], (reason, ratio.misses)
    assert "never checked" in score_fits({"anchor_checks": []}, want).misses[0]


def test_a_wrong_date_check_or_task_expectation_fails_the_case_and_says_which(tmp_path, capsys) -> None:  # noqa: ANN001
    from pathlib import Path

    from agent.cli import run as cli

    repo = Path(__file__).resolve().parents[2]
    suite = tmp_path / "wrong_v1.yaml"
    suite.write_text(
        f"""name: wrong
version: 1
base_dir: {repo}
cases:
  - name: unaddressable-task
    line: evals/lines/unaddressable-task.txt
    cassette: cassettes/evals/unaddressable-task.yaml
    expect:
      dates: {{C2: consistent}}
      tasks: {{3: questions, 4: questions}}
""",
        encoding="utf-8",
    )
    # Without a baseline accuracy is reported, not gated (a baseline gates any drop): the misses are named.
    assert cli(["eval", str(suite)]) == 0
    said = capsys.readouterr()
    text = said.out + said.err
    assert "C2: date check after_anchors, expected consistent" in text
    assert "task 4: answered by none, expected questions" in text
    assert "task 3:" not in text, "a task answered as expected is no miss"
