"""The review room: a person decides on a run's proposals; accepted ones are written into the line.

- decisions: the append-only `decisions` table, reviewer name from the environment
- review_run: load a run under review, hand decisions to the paused graph (`submit`)
- session / render / editor: the interactive terminal review
- changes / apply: accepted proposals into the canonical Markdown file, atomically
- export: BibTeX of cited papers, JSON of the whole review
"""

from typing import TYPE_CHECKING

from agent._lazy import lazy_exports

if TYPE_CHECKING:  # the real names, for type checkers
    from agent.review.apply import ApplyResult, ApplyStatus, apply_review
    from agent.review.decisions import decision_history, latest_decisions, make_decision, reviewer_name, save_decisions
    from agent.review.export import cited_papers, to_bibtex, to_json
    from agent.review.listing import find_run
    from agent.review.review_run import ReviewRun, load_review, submit
    from agent.review.session import Session, SessionResult, TerminalKeys

_EXPORTS = {
    "ApplyResult": "agent.review.apply",
    "ApplyStatus": "agent.review.apply",
    "apply_review": "agent.review.apply",
    "decision_history": "agent.review.decisions",
    "latest_decisions": "agent.review.decisions",
    "make_decision": "agent.review.decisions",
    "reviewer_name": "agent.review.decisions",
    "save_decisions": "agent.review.decisions",
    "cited_papers": "agent.review.export",
    "to_bibtex": "agent.review.export",
    "to_json": "agent.review.export",
    "ReviewRun": "agent.review.review_run",
    "find_run": "agent.review.listing",
    "load_review": "agent.review.review_run",
    "submit": "agent.review.review_run",
    "Session": "agent.review.session",
    "SessionResult": "agent.review.session",
    "TerminalKeys": "agent.review.session",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "ApplyResult",
    "ApplyStatus",
    "ReviewRun",
    "Session",
    "SessionResult",
    "TerminalKeys",
    "apply_review",
    "cited_papers",
    "decision_history",
    "find_run",
    "latest_decisions",
    "load_review",
    "make_decision",
    "reviewer_name",
    "save_decisions",
    "submit",
    "to_bibtex",
    "to_json",
]
