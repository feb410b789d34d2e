"""The review server without a browser: escaping, the guard, CSRF, and decisions through the review service."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from agent.review.review_run import load_review
from agent.web.app import ServerConfig, create_app
from agent.web.security import Guard, is_loopback
from tests.web.conftest import FORGED, SCRIPT, Demo, poison_abstract, unground

LOCAL = "http://127.0.0.1"


def client(demo: Demo, host: str = "127.0.0.1") -> tuple[TestClient, Guard]:
    guard = Guard.for_host(host)
    app = create_app(ServerConfig(demo.home / "retest.db", guard))
    return TestClient(app, base_url=LOCAL), guard


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "every form carries the CSRF token"
    return found.group(1)


def test_an_abstract_holding_a_script_and_a_forged_link_is_printed_as_text(demo: Demo) -> None:
    poison_abstract(demo, "P2")
    web, _ = client(demo)
    page = web.get(f"/runs/{demo.run_id}/review").text
    assert SCRIPT not in page and FORGED not in page, "the markup must not reach the page as markup"
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert 'href="javascript:' not in page


def test_the_runs_list_and_the_report_show_the_run(demo: Demo) -> None:
    web, _ = client(demo)
    runs = web.get("/")
    assert runs.status_code == 200 and demo.run_id in runs.text and "15 waiting" in runs.text
    report = web.get(f"/runs/{demo.run_id}")
    assert report.status_code == 200 and "Verdicts" in report.text and "Cost and calls" in report.text
    # The page shows what the terminal report shows: each claim's date check, each task's answer, each anchor's link.
    assert "C2 is dated ~2026; its anchor A1 (arXiv:2507.13524) was first submitted 2025-07" in report.text
    assert "<strong>Task 3</strong>" in report.text and "A4 -&gt; C5: linked by the model reading the anchor&#39;s abstract" in report.text
    # The verdict table and the anchor section show each anchor's fit with its quote (issue 12 point 1).
    table = report.text.split("<h2>Verdicts</h2>", 1)[1].split("</table>", 1)[0]
    assert "<th>Anchor fit</th>" in table and "backs part of it" in table and "is about something else" in table
    assert "<q>a human and an AI agent resolve a disagreement through a structured argumentative dialogue</q>" in table
    assert "<h2>Anchor fit</h2>" in report.text and report.text.count('class="chip fit-') == 8, "four fits, in the table and in the list"


def test_a_post_without_the_csrf_token_is_refused_and_decides_nothing(demo: Demo) -> None:
    web, _ = client(demo)
    answer = web.post(f"/runs/{demo.run_id}/proposals/P1", data={"action": "accept"}, follow_redirects=False)
    assert answer.status_code == 403
    with demo.store() as store:
        assert load_review(store, demo.run_id).decisions == {}


def test_accept_reject_edit_undo_go_through_the_review_service(demo: Demo) -> None:
    web, _ = client(demo)
    token = csrf_of(web.get(f"/runs/{demo.run_id}/review").text)
    url = f"/runs/{demo.run_id}/proposals"
    assert web.post(f"{url}/P1", data={"csrf": token, "action": "accept"}, follow_redirects=False).status_code == 303
    web.post(f"{url}/P4", data={"csrf": token, "action": "reject", "reason": "not new"})
    edited = "Wages stagnate in AGI scenarios while labor's share decays slowly (~2026)"
    page = web.post(f"{url}/P2", data={"csrf": token, "action": "edit", "text": edited}).text
    assert "Wages stagnate in AGI scenarios" in page, "the edited text is shown back"
    web.post(f"{url}/P1", data={"csrf": token, "action": "undo"})
    with demo.store() as store:
        review = load_review(store, demo.run_id)
    assert {pid: str(d.kind) for pid, d in review.decisions.items()} == {"P1": "undo", "P2": "edit", "P4": "reject"}
    assert review.decisions["P4"].reason == "not new" and "P1" in review.pending


def test_a_bad_edit_is_refused_on_its_card(demo: Demo) -> None:
    web, _ = client(demo)
    token = csrf_of(web.get(f"/runs/{demo.run_id}/review").text)
    answer = web.post(f"/runs/{demo.run_id}/proposals/P1", data={"csrf": token, "action": "edit", "text": "not an anchor"})
    assert answer.status_code == 400 and "is not an anchor" in answer.text


def test_accepting_a_not_grounded_proposal_takes_a_second_click(demo: Demo) -> None:
    unground(demo, "P3")
    web, _ = client(demo)
    token = csrf_of(web.get(f"/runs/{demo.run_id}/review").text)
    first = web.post(f"/runs/{demo.run_id}/proposals/P3", data={"csrf": token, "action": "accept"})
    assert "Accept anyway" in first.text and "NOT GROUNDED" in first.text
    with demo.store() as store:
        assert "P3" not in load_review(store, demo.run_id).decisions, "the first click decides nothing"
    web.post(f"/runs/{demo.run_id}/proposals/P3", data={"csrf": token, "action": "accept", "confirm": "yes"})
    with demo.store() as store:
        assert str(load_review(store, demo.run_id).decisions["P3"].kind) == "accept"


def test_a_placeholder_can_never_be_accepted_even_confirmed(demo: Demo) -> None:
    unground(demo, "P3", after="Bargaining power erodes ([ungrounded citation removed]).")
    web, _ = client(demo)
    token = csrf_of(web.get(f"/runs/{demo.run_id}/review").text)
    answer = web.post(f"/runs/{demo.run_id}/proposals/P3", data={"csrf": token, "action": "accept", "confirm": "yes"})
    assert answer.status_code == 400 and "cannot be accepted as it is" in answer.text


@pytest.mark.parametrize(
    "path",
    ["/static/../../../etc/passwd", "/static/%2e%2e/%2e%2e/app.py", "/runs/..%2F..%2Fetc%2Fpasswd/review", "/runs/%2e%2e/apply"],
)
def test_no_request_reaches_a_file_outside_the_server(demo: Demo, path: str) -> None:
    web, _ = client(demo)
    answer = web.get(path)
    assert answer.status_code == 404 and "root:" not in answer.text and "create_app" not in answer.text


def test_on_loopback_a_foreign_host_header_is_refused(demo: Demo) -> None:
    web, _ = client(demo)
    assert web.get("/", headers={"host": "evil.example:8765"}).status_code == 403


def test_off_loopback_every_request_needs_the_token(demo: Demo) -> None:
    web, guard = client(demo, host="0.0.0.0")
    assert guard.token and not is_loopback("0.0.0.0") and is_loopback("127.0.0.2")
    assert web.get("/").status_code == 403
    assert web.get(f"/runs/{demo.run_id}/review").status_code == 403
    assert web.get("/", params={"token": "wrong"}).status_code == 403
    assert web.get("/", headers={"authorization": f"Bearer {guard.token}"}).status_code == 200
    # The token in the address once: a cookie keeps it, and the address drops it.
    first = web.get("/", params={"token": guard.token}, follow_redirects=False)
    assert first.status_code == 303 and "token" not in first.headers["location"]
    assert web.get("/").status_code == 200


def test_the_eval_page_shows_each_case_and_a_chart_per_compared_metric(demo: Demo) -> None:
    from agent.evaluate.compare import load_baseline
    from tests.web.conftest import REPO

    baseline = REPO / "evals" / "baseline_v2.json"
    app = create_app(ServerConfig(demo.home / "retest.db", Guard.for_host("127.0.0.1"), baseline, baseline))
    page = TestClient(app, base_url=LOCAL).get("/eval").text
    report = load_baseline(baseline)
    assert all(case.name in page for case in report.cases)
    assert page.count("<svg") >= 5 and 'class="worse"' not in page, "a report against itself is nowhere worse"
