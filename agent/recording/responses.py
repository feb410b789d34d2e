"""Completed responses of a run, kept so that a resumed sitting gets them back instead of paying again.

A graph step is saved by LangGraph only when it returns; a kill after a step's
model or arXiv request was answered, but before the step's checkpoint, would
send that request again on `retest resume`. So every request a run sends is
written to the store's `run_requests` table (migration 0009) the moment its
answer is in, before the answer reaches the client, keyed by `request_key`
(method, URL without credentials, canonical body; never a header, so never a
key). A later sitting of the same run answers a request with an unused stored
answer of the same key (each stored answer once per sitting, in the order it
was received, as a cassette does) and sends only the rest.

The ledger hooks the vcrpy cassette the runner opens (`attach`): the two HTTP
stacks (httpx2 under the SDKs, http.client under arXiv's requests) both ask
`can_play_response_for`, then `play_response` or, for a request sent,
`append`. In live mode the runner opens a cassette that records to nowhere,
only for these hooks. Model clients and the arXiv transport know nothing of it.

Every request is also a row of the log, with who answered it: `network`
(live and record), `cassette` (replay) or `saved` (this table). That log is the
run's count of calls actually made, retries and repeats included. In replay the
answer is stored before vcrpy marks it played; over the network the window
between the server answering and the commit (a kill in flight) is inherent.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from vcr.cassette import Cassette
from vcr.matchers import requests_match
from vcr.request import Request

from agent.recording import scrub
from agent.store import Store

AnsweredBy = Literal["network", "cassette", "saved"]


def canonical_url(uri: str) -> str:
    """The URL without userinfo or credential query keys, host lower-cased, query sorted."""
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    netloc = f"{host}:{parts.port}" if parts.port else host
    pairs = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in scrub.SECRET_QUERY_KEYS)
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, urlencode(pairs), ""))


def _canonical_body(body: bytes | str | None) -> bytes:
    raw = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    try:
        parsed = json.loads(raw)
    except ValueError:
        return raw
    # Key order and spacing do not change what a JSON request asks.
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def request_key(method: str, uri: str, body: bytes | str | None) -> str:
    """sha256 of what a request asks: method, canonical URL and canonical body. Headers (and so keys) never enter it."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), canonical_url(uri).encode(), _canonical_body(body)):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _key_of(request: Request) -> str:
    return request_key(request.method, request.uri, request.body)


def encode_response(response: dict[str, Any]) -> str:
    """A vcrpy response as JSON; a bytes body as text when it is UTF-8, else base64."""
    data = {k: v for k, v in response.items() if not k.startswith("_")}
    body = dict(data.get("body") or {})
    value = body.get("string", b"")
    if isinstance(value, bytes):
        try:
            body = {"text": value.decode("utf-8"), "bytes": True}
        except UnicodeDecodeError:
            body = {"base64": base64.b64encode(value).decode("ascii")}
    else:
        body = {"text": value, "bytes": False}
    return json.dumps({**data, "body": body}, ensure_ascii=False)


def decode_response(text: str) -> dict[str, Any]:
    """The vcrpy response `encode_response` stored."""
    data = json.loads(text)
    body = data["body"]
    if "base64" in body:
        data["body"] = {"string": base64.b64decode(body["base64"])}
    else:
        data["body"] = {"string": body["text"].encode("utf-8") if body.get("bytes") else body["text"]}
    return data


def _status(response: dict[str, Any]) -> int:
    return int(response["status"]["code"])


@dataclass(frozen=True)
class RequestCounts:
    """A run's requests over all its sittings, by who answered them."""

    model: int = 0
    arxiv: int = 0
    saved: int = 0
    unanswered: int = 0

    @property
    def sent(self) -> int:
        """Requests that reached a service (or, in replay, the cassette): what a live run pays for."""
        return self.model + self.arxiv


def _is_arxiv(url: str) -> bool:
    """arXiv's API (or a stand-in for it at another host, which keeps its path); every other request is a model call."""
    parts = urlsplit(url)
    return "arxiv.org" in (parts.hostname or "") or parts.path.endswith("/api/query")


def request_counts(store: Store, run_id: str) -> RequestCounts:
    """How many requests `run_id` sent to models and to arXiv, and how many were answered from saved responses."""
    with store.lock:
        rows = store.conn.execute("SELECT url, answered_by, status FROM run_requests WHERE run_id = ?", (run_id,)).fetchall()
    sent = [r for r in rows if r["answered_by"] != "saved"]
    arxiv = sum(_is_arxiv(r["url"]) for r in sent)
    return RequestCounts(
        model=len(sent) - arxiv,
        arxiv=arxiv,
        saved=len(rows) - len(sent),
        unanswered=sum(r["status"] is None for r in sent),
    )


# The ledger of the run whose code is executing: its graph's node threads copy the context, so each request
# reaches its own run's ledger while live lines overlap in one process (install_hooks).
_BOUND: ContextVar[ResponseLedger | None] = ContextVar("retest_response_ledger", default=None)


class ResponseLedger:
    """One sitting's view of a run's stored responses, and the writer of its request log."""

    def __init__(self, store: Store, run_id: str, sitting: int) -> None:
        self.store = store
        self.run_id = run_id
        self.sitting = sitting
        self._lock = threading.RLock()
        self._reserved: dict[tuple[int, str], dict[str, Any]] = {}
        self._available: dict[str, deque[dict[str, Any]]] = {}
        with store.lock:
            rows = store.conn.execute("SELECT key, response FROM run_requests WHERE run_id = ? AND response IS NOT NULL ORDER BY seq", (run_id,)).fetchall()
        for row in rows:
            self._available.setdefault(row["key"], deque()).append(decode_response(row["response"]))

    @property
    def available(self) -> int:
        """Stored answers this sitting has not used yet."""
        with self._lock:
            return sum(len(q) for q in self._available.values())

    def _log(self, request: Request, key: str, answered_by: AnsweredBy, response: dict[str, Any] | None, *, keep: bool) -> None:
        """One row of the log; with the answer when `keep` (what a cassette would hold: scrubbed, no transient failure)."""
        stored: str | None = None
        if keep and response is not None:
            kept = scrub.scrub_response(copy.deepcopy(response))
            if kept is not None:
                shown = scrub.scrub_request(Request(request.method, request.uri, request.body, {}))
                _, kept = scrub.redact_env_secrets(shown, kept)
                stored = encode_response(kept)
        url = scrub.scrub_url(canonical_url(request.uri))
        status = None if response is None else _status(response)
        now = dt.datetime.now(dt.UTC).isoformat()
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO run_requests (run_id, sitting, key, method, url, answered_by, status, response, at) VALUES (?,?,?,?,?,?,?,?,?)",
                (self.run_id, self.sitting, key, request.method, url, answered_by, status, stored, now),
            )

    @contextmanager
    def bound(self) -> Iterator[None]:
        """Make this the ledger of every request made in this context (and the node threads that copy it)."""
        token = _BOUND.set(self)
        try:
            yield
        finally:
            _BOUND.reset(token)

    def attach(self, vcr_cassette: Cassette, *, record: bool) -> None:
        """Answer from stored responses first, and store every answer before the client gets it.

        `record`: answers given from the store are also added to the recording, so the cassette stays complete.
        The hooks serve the ledger bound to the request's context (`bound`), this one when none is.
        """
        install_hooks(vcr_cassette, record=record, owner=lambda: _BOUND.get() or self)


def install_hooks(vcr_cassette: Cassette, *, record: bool, owner: Callable[[], ResponseLedger | None]) -> None:
    """The ledger hooks on `vcr_cassette`: each request is served by the ledger `owner` gives (None: vcrpy alone).

    vcrpy patches HTTP for the whole process, so every live run shares one cassette (agent.recording.cassette)
    and `owner` finds the run a request belongs to by the context its thread copied from the run (`bound`).
    """
    can_play, play, append = vcr_cassette.can_play_response_for, vcr_cassette.play_response, vcr_cassette.append

    @functools.wraps(can_play)
    def checking(request: Request) -> Any:
        ledger = owner()
        if ledger is None:
            return can_play(request)
        key, slot = _key_of(request), threading.get_ident()
        with ledger._lock:
            if (slot, key) in ledger._reserved:
                return True
        # A resumed recording answers first from the calls it kept, which its cassette already holds.
        if record and can_play(request):
            return True
        with ledger._lock:
            queue = ledger._available.get(key)
            if queue:
                # Reserved for this thread: the stub asks again (connect, then getresponse) before it plays.
                ledger._reserved[(slot, key)] = queue.popleft()
                return True
        return False if record else can_play(request)

    @functools.wraps(play)
    def playing(request: Request) -> Any:
        ledger = owner()
        if ledger is None:
            return play(request)
        key = _key_of(request)
        with ledger._lock:
            saved = ledger._reserved.pop((threading.get_ident(), key), None)
        if saved is not None:
            ledger._log(request, key, "saved", saved, keep=False)
            if record:
                Cassette.append(vcr_cassette, request, copy.deepcopy(saved))
            return copy.deepcopy(saved)
        with ledger._lock:
            # Stored before vcrpy marks it played: a kill in between leaves it answerable, never played twice.
            # (A resumed recording's kept calls were stored when they were first paid for.)
            upcoming = _next_unplayed(vcr_cassette, request)
            ledger._log(request, key, "cassette", upcoming, keep=not record)
            return play(request)

    @functools.wraps(append)
    def appending(request: Request, response: dict[str, Any]) -> None:
        ledger = owner()
        if ledger is not None:
            # Written before the stub returns the answer to the client: the step may be killed next.
            ledger._log(request, _key_of(request), "network", response, keep=True)
        append(request, response)

    vcr_cassette.can_play_response_for, vcr_cassette.play_response, vcr_cassette.append = checking, playing, appending


def bound_ledger() -> ResponseLedger | None:
    """The ledger bound to this context, if any."""
    return _BOUND.get()


def _next_unplayed(vcr_cassette: Cassette, request: Request) -> dict[str, Any] | None:
    """The recorded answer vcrpy's `play_response` is about to give (None for a miss, which it then raises)."""
    filtered = vcr_cassette.filter_request(request)
    if not filtered:
        return None
    for index, (recorded, response) in enumerate(vcr_cassette.data):
        if vcr_cassette.play_counts[index] == 0 and requests_match(filtered, recorded, vcr_cassette._match_on):
            return response
    return None
