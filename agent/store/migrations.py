"""The run store's schema: NAMED, APPEND-ONLY migrations, applied once each, the same names on SQLite and Postgres.

Each applied name is recorded in the `migrations` table, so opening the store
again applies nothing, and a migration appended to `MIGRATIONS` later is
applied exactly once. Never edit or reorder an entry that may have been
applied; append a new one instead. A migration is written in SQLite's dialect;
`postgres_sql` gives its Postgres form (mechanical type changes, or its own
text where the dialects differ further).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from agent.errors import ConfigError


@dataclass(frozen=True)
class Migration:
    """One named schema change; `sql` may hold several statements."""

    name: str
    sql: str
    postgres: str | None = None
    """The migration's own Postgres text, where the mechanical translation (`postgres_sql`) would not do."""


MIGRATIONS: list[Migration] = [
    Migration(
        "0001_arxiv_cache",
        """
        CREATE TABLE arxiv_cache (
            key        TEXT PRIMARY KEY,   -- sha256 of the canonical JSON of the request
            request    TEXT NOT NULL,      -- that canonical JSON, for people reading the db
            stored_at  TEXT NOT NULL,      -- ISO 8601, UTC
            payload    TEXT NOT NULL       -- JSON of the parsed papers or lookups
        );
        """,
    ),
    Migration(
        "0002_runs",
        """
    CREATE TABLE runs (
        id           TEXT PRIMARY KEY,
        line_path    TEXT NOT NULL,
        line_sha256  TEXT NOT NULL,
        mode         TEXT NOT NULL,        -- live, record or replay
        cassette     TEXT,
        run_date     TEXT NOT NULL,
        models       TEXT NOT NULL,        -- JSON: role -> model string
        prompts      TEXT NOT NULL,        -- JSON: prompt name -> sha256
        version      TEXT NOT NULL,
        git_rev      TEXT,
        started_at   TEXT NOT NULL,
        ended_at     TEXT,
        status       TEXT NOT NULL,
        error        TEXT
    );
    CREATE TABLE run_usage (
        run_id        TEXT NOT NULL REFERENCES runs(id),
        node          TEXT NOT NULL,
        claim_id      TEXT,
        role          TEXT NOT NULL,
        model         TEXT NOT NULL,
        calls         INTEGER NOT NULL,
        input_tokens  INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cached_tokens INTEGER,
        latency_s     REAL NOT NULL,
        cost_usd      REAL
    );
    CREATE INDEX run_usage_run ON run_usage(run_id);
        """,
    ),
    Migration(
        "0003_decisions",
        """
    -- Append-only: every decision a reviewer makes, the moment it is made.
    -- The latest row per (run_id, proposal_id) is the decision in force.
    CREATE TABLE decisions (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id        TEXT NOT NULL REFERENCES runs(id),
        proposal_id   TEXT NOT NULL,
        kind          TEXT NOT NULL,       -- accept, reject or edit
        reason        TEXT NOT NULL DEFAULT '',
        edited_after  TEXT,                -- the reviewer's own text, for edit
        reviewer      TEXT NOT NULL,
        at            TEXT NOT NULL        -- ISO 8601 with offset
    );
    CREATE INDEX decisions_run ON decisions(run_id, proposal_id);
        """,
    ),
    Migration(
        "0004_run_owner",
        """
    -- Which process is executing a run, so a second `retest resume` can refuse it.
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    ALTER TABLE runs ADD COLUMN host TEXT;
        """,
    ),
    Migration(
        "0005_run_settings",
        """
    -- The effective settings a run started with (JSON), so a resume uses them and not today's environment.
    ALTER TABLE runs ADD COLUMN settings TEXT;
        """,
    ),
    Migration(
        "0006_run_proposals",
        """
    -- A copy of each run's drafted proposals (JSON list, in draft order; NULL until drafted),
    -- so listing a review needs no checkpoint and no LangGraph.
    ALTER TABLE runs ADD COLUMN proposals TEXT;
        """,
    ),
    Migration(
        "0007_run_pins",
        """
    -- sha256 of the cassette a run started with (NULL in live mode), so a resume refuses another one.
    ALTER TABLE runs ADD COLUMN cassette_sha256 TEXT;
        """,
    ),
    Migration(
        "0008_run_sittings",
        """
    -- One row per process that executed a run (the first sitting, then each resume), with the prompts it loaded,
    -- written as each is loaded, so a killed sitting's prompts are on record too.
    CREATE TABLE run_sittings (
        run_id      TEXT NOT NULL REFERENCES runs(id),
        sitting     INTEGER NOT NULL,      -- 1 for `retest run`, then 2, 3, ... per resume
        pid         INTEGER NOT NULL,
        host        TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        prompts     TEXT NOT NULL,         -- JSON: prompt name -> sha256, as loaded in this sitting
        PRIMARY KEY (run_id, sitting)
    );
        """,
    ),
    Migration(
        "0009_run_requests",
        """
    -- Every HTTP request a run sent, in every sitting, and who answered it; with the answer (scrubbed, as a
    -- cassette holds it) so that a resumed sitting gets it back instead of sending the request again.
    CREATE TABLE run_requests (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id       TEXT NOT NULL REFERENCES runs(id),
        sitting      INTEGER NOT NULL,
        key          TEXT NOT NULL,        -- sha256 of method, URL without credentials, canonical body
        method       TEXT NOT NULL,
        url          TEXT NOT NULL,        -- without credentials
        answered_by  TEXT NOT NULL,        -- network, cassette or saved
        status       INTEGER,              -- NULL: sent, no answer seen
        response     TEXT,                 -- JSON of the answer; NULL when not kept (saved, transient failure)
        at           TEXT NOT NULL
    );
    CREATE INDEX run_requests_run ON run_requests(run_id, key);
        """,
    ),
    Migration(
        "0010_run_reports",
        """
    -- The JSON report of a run whose checkpoints `retest runs --prune` removed, kept first, so `retest report` still prints it.
    CREATE TABLE run_reports (
        run_id            TEXT PRIMARY KEY REFERENCES runs(id),
        json              TEXT NOT NULL,       -- agent.report.Report, as `retest report RUN --format json` prints it
        checkpoint_bytes  INTEGER NOT NULL,    -- what the removed checkpoints and writes held
        pruned_at         TEXT NOT NULL        -- ISO 8601, UTC
    );
        """,
    ),
    Migration(
        "0011_redact_stored_urls",
        """
    -- Runs saved before URLs were redacted (agent.redact) may hold a model URL's password in clear.
    UPDATE runs SET models = retest_redact(models), settings = retest_redact(settings), error = retest_redact(error);
    UPDATE run_usage SET model = retest_redact(model);
        """,
        # Postgres support came after redaction: no Retest wrote a URL in clear into a Postgres database.
        postgres="SELECT 1",
    ),
    Migration(
        "0012_run_line",
        """
    -- The run's parsed line (JSON of agent.line.models.Line), kept once here rather than in each of its checkpoints;
    -- NULL for a run from before, whose checkpoints hold it.
    ALTER TABLE runs ADD COLUMN line TEXT;
        """,
    ),
    Migration(
        "0013_run_since_last",
        """
    -- A `--since-last` run's plan (JSON of agent.graph.since_last.SinceLast), so a resume goes on with it
    -- rather than re-testing in full; NULL for a full run.
    ALTER TABLE runs ADD COLUMN since_last TEXT;
        """,
    ),
    Migration(
        "0014_batches",
        """
    -- `--batch` runs (issue 15): their model calls go through the providers' batch APIs at half price.
    ALTER TABLE runs ADD COLUMN batch INTEGER NOT NULL DEFAULT 0;
    -- Each model request a batch run made, keyed by a hash of what it asks, and its answer once a batch returned it.
    CREATE TABLE batch_requests (
        run_id       TEXT NOT NULL REFERENCES runs(id),
        custom_id    TEXT NOT NULL,        -- 'r' + 40 hex of sha256(provider, base URL, endpoint, canonical body)
        provider     TEXT NOT NULL,
        base_url     TEXT NOT NULL,        -- without credentials
        model        TEXT NOT NULL,
        endpoint     TEXT NOT NULL,        -- e.g. /v1/chat/completions, /v1/messages
        body         TEXT NOT NULL,        -- JSON of the request body, as the synchronous call would send it
        batch_id     TEXT,                 -- NULL: queued, not yet submitted
        answer       TEXT,                 -- JSON of the response body (a ChatCompletion or a Message) once collected
        error        TEXT,                 -- the provider's words when it answered this request with an error
        queued_at    TEXT NOT NULL,
        PRIMARY KEY (run_id, custom_id)
    );
    CREATE INDEX batch_requests_batch ON batch_requests(batch_id);
    -- Each batch submitted, and how it stood when last checked.
    CREATE TABLE batches (
        id            TEXT PRIMARY KEY,    -- the provider's batch ID
        provider      TEXT NOT NULL,
        base_url      TEXT NOT NULL,
        model         TEXT NOT NULL,       -- the model whose client submits and polls it
        requests      INTEGER NOT NULL,
        status        TEXT NOT NULL,       -- processing, ended or failed
        done          INTEGER NOT NULL DEFAULT 0,
        submitted_at  TEXT NOT NULL,
        checked_at    TEXT,
        collected_at  TEXT                 -- NULL until its results are stored in batch_requests
    );
        """,
    ),
    Migration(
        "0015_anchor_links",
        """
    -- Append-only, like decisions: every link a reviewer sets between a run's anchor and the line's claims
    -- (issue 12 point 3). The latest row per (run_id, anchor_id) is the link in force; apply writes it into the line.
    CREATE TABLE anchor_links (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id        TEXT NOT NULL REFERENCES runs(id),
        anchor_id     TEXT NOT NULL,
        claims        TEXT NOT NULL,       -- JSON list of claim IDs, e.g. ["C3"]
        was           TEXT NOT NULL,       -- JSON list: the run's link before this one
        reviewer      TEXT NOT NULL,
        at            TEXT NOT NULL        -- ISO 8601 with offset
    );
    CREATE INDEX anchor_links_run ON anchor_links(run_id, anchor_id);
        """,
    ),
]


_POSTGRES_TYPES = [
    # SQLite's rowid alias; Postgres numbers rows with an identity column.
    (re.compile(r"INTEGER PRIMARY KEY AUTOINCREMENT"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    # REAL is 4 bytes in Postgres, 8 in SQLite: prices and latencies keep SQLite's precision.
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
]


def postgres_sql(migration: Migration) -> str:
    """The migration's text for Postgres: its own `postgres` text, else its SQLite text with the types translated."""
    if migration.postgres is not None:
        return migration.postgres
    sql = migration.sql
    for pattern, replacement in _POSTGRES_TYPES:
        sql = pattern.sub(replacement, sql)
    return sql


def check_history(applied: list[str], known: list[str], where: Path | str) -> None:
    """Refuse a database whose history is not a prefix of the known migrations."""
    if applied == known[: len(applied)]:
        return
    unknown = [name for name in applied if name not in known]
    if unknown:
        problem = f"it has migrations this version of Retest does not know: {', '.join(unknown)}"
        hint = "Upgrade Retest, or point $RETEST_HOME at a fresh directory."
    else:
        problem = "its migrations were applied in a different order than this version lists them"
        hint = "Migrations are append-only; restore the list's order, or start a fresh state directory."
    raise ConfigError(f"the Retest database at {where} cannot be used: {problem}", hint=hint)
