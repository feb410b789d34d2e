"""The store of completed responses: what a request is keyed by, and what is kept of it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from vcr.request import Request

from agent.recording.responses import ResponseLedger, canonical_url, decode_response, encode_response, request_key
from agent.runs import RunRecord, RunStatus, insert_run
from agent.store import Store

URL = "https://api.example.com/v1/chat/completions"


def test_the_key_is_what_the_request_asks_never_how_it_authenticates():
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    reordered = json.dumps({"messages": [{"content": "hi", "role": "user"}], "model": "m"}, indent=2)
    assert request_key("POST", URL, body) == request_key("post", URL, reordered.encode()), "JSON key order and spacing ask nothing"
    assert request_key("POST", URL, body) != request_key("POST", URL, body.replace("hi", "ho")), "another prompt is another request"
    assert request_key("GET", "https://export.arxiv.org/api/query?b=2&a=1", None) == request_key("GET", "https://export.arxiv.org/api/query?a=1&b=2", b"")
    with_key = "https://user:pa55word@host.example/v1/x?api_key=sk-SECRET-1&q=1"
    assert request_key("GET", with_key, None) == request_key("GET", "https://other:pw@host.example/v1/x?q=1&api_key=sk-ROTATED", None)
    assert "pa55word" not in canonical_url(with_key) and "SECRET" not in canonical_url(with_key)


def test_a_response_survives_its_json_form_byte_for_byte():
    for body in (b'{"a": 1}', "<feed>é</feed>", b"\xff\x00binary"):
        response = {"status": {"code": 200, "message": "OK"}, "headers": {"content-type": ["x"]}, "body": {"string": body}}
        assert decode_response(encode_response(response)) == response


def _store_with_run(tmp_path, *ids: str) -> Store:
    store = Store.open(tmp_path / "retest.db")
    for run_id in ids or ("r1",):
        insert_run(
            store,
            RunRecord(
                id=run_id, line_path="/l.txt", line_sha256="0", mode="live", run_date=dt.date(2026, 11, 29), models={}, version="t",
                started_at=dt.datetime.now(dt.UTC), status=RunStatus.RUNNING,
            ),
        )  # fmt: skip
    return store


def test_kept_answers_hold_no_credential(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRETO-0123456789")
    store = _store_with_run(tmp_path)
    ledger = ResponseLedger(store, "r1", 1)
    request = Request("POST", URL + "?api_key=sk-test-SECRETO-0123456789", b'{"model":"m"}', {"Authorization": "Bearer sk-test-SECRETO-0123456789"})
    echoed = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": ["application/json"], "set-cookie": ["session=abc123456789"]},
        "body": {"string": b'{"echo":"sk-test-SECRETO-0123456789"}'},
    }
    ledger._log(request, request_key(request.method, request.uri, request.body), "network", echoed, keep=True)
    dump = "\n".join(store.conn.iterdump())
    assert "SECRETO" not in dump and "abc123456789" not in dump
    assert ResponseLedger(store, "r1", 2).available == 1, "the next sitting gets it back"


def test_transient_failures_are_counted_but_never_given_back(tmp_path):
    store = _store_with_run(tmp_path)
    ledger = ResponseLedger(store, "r1", 1)
    request = Request("POST", URL, b"{}", {})
    busy = {"status": {"code": 503, "message": "busy"}, "headers": {}, "body": {"string": b""}}
    ledger._log(request, request_key("POST", URL, b"{}"), "network", busy, keep=True)
    assert ResponseLedger(store, "r1", 2).available == 0, "a retry after a 503 must reach the service"
    (row,) = store.conn.execute("SELECT answered_by, status FROM run_requests").fetchall()
    assert tuple(row) == ("network", 503), "the call was made, and paid: it is on the log"


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_overlapping_live_runs_each_log_their_own_requests(tmp_path):
    """Live lines overlap (`retest run --all`) and vcrpy patches HTTP for the whole process. Each request must
    reach its own run's ledger while both runs are open and after one has ended, or a resumed line would pay
    again for what it asked and its report would count another line's requests (or none of its own)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import requests

    from agent.recording import cassette

    class Echo(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = self.path.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    store = _store_with_run(tmp_path, "r1", "r2")
    both_open = threading.Barrier(2)
    base = f"http://127.0.0.1:{server.server_port}"

    r1_asked, r1_left = threading.Event(), threading.Event()

    def first() -> None:
        ledger = ResponseLedger(store, "r1", 1)
        with cassette("live", None, responses=ledger):
            both_open.wait()  # both runs are inside their cassettes before anyone asks
            requests.get(f"{base}/api/query?search=r1", timeout=5)
            r1_asked.set()
        r1_left.set()  # r1 ends first: r2's next request must still be logged, under r2

    def second() -> None:
        ledger = ResponseLedger(store, "r2", 1)
        with cassette("live", None, responses=ledger):
            both_open.wait()
            r1_asked.wait(5)
            requests.get(f"{base}/api/query?search=r2-with-r1", timeout=5)
            r1_left.wait(5)
            requests.get(f"{base}/api/query?search=r2-after-r1", timeout=5)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    threads[0].join(0.3)  # r1 enters its cassette first
    threads[1].start()
    for t in threads:
        t.join(10)
    server.shutdown()
    logged = {(r["run_id"], r["url"].rsplit("=", 1)[1]) for r in store.conn.execute("SELECT run_id, url FROM run_requests")}
    assert logged == {("r1", "r1"), ("r2", "r2-with-r1"), ("r2", "r2-after-r1")}
