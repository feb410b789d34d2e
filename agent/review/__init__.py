"""The review room: a person decides on a run's proposals; accepted ones are written into the line.

- decisions: the append-only `decisions` table, reviewer name from the environment
- review_run: load a run under review, hand decisions to the paused graph (`submit`)
- session / render / editor: the interactive terminal review
- changes / apply: accepted proposals into the canonical Markdown file, atomically
- export: BibTeX of cited papers, JSON of the whole review
"""

from agent.review.apply import ApplyResult, ApplyStatus, apply_review
from agent.review.decisions import decision_history, latest_decisions, make_decision, reviewer_name, save_decisions
from agent.review.export import cited_papers, to_bibtex, to_json
from agent.review.review_run import ReviewRun, find_run, load_review, submit
from agent.review.session import Session, SessionResult, TerminalKeys

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
