"""The review page corrects an anchor's link like `retest review --link` (issue 12 point 3), and its apply writes it."""

from __future__ import annotations

from agent.cli import run as cli
from agent.line import load_line
from agent.review.links import links_in_force
from tests.web.conftest import Demo
from tests.web.test_pages import client, csrf_of


def _card(page: str, pid: str) -> str:
    return page.split(f'id="card-{pid}"', 1)[1].split("</article>", 1)[0]


def test_the_page_shows_each_link_and_a_corrected_one_leaves_its_proposals_to_reject(demo: Demo) -> None:
    web, _ = client(demo)
    page = web.get(f"/runs/{demo.run_id}/review").text
    row = page.split('id="link-A4"', 1)[1].split("</div>", 1)[0]
    assert '<span class="link-claims">C5</span>' in row and "the model&#39;s reading" in row
    assert 'class="accept"' in _card(page, "P13")

    answer = web.post(f"/runs/{demo.run_id}/links/A4", data={"csrf": csrf_of(page), "claims": "c2"}, follow_redirects=False)
    assert answer.status_code == 303
    with demo.store() as store:
        assert {a: c.claims for a, c in links_in_force(store, demo.run_id).items()} == {"A4": ["C2"]}
    page = web.get(f"/runs/{demo.run_id}/review").text
    row = page.split('id="link-A4"', 1)[1].split("</div>", 1)[0]
    assert '<span class="link-claims">C2</span>' in row and "set in review by tester; the run linked it to C5" in row
    for pid in ("P13", "P15"):
        card = _card(page, pid)
        assert "rests on the link A4 -&gt; C5" in card and 'class="accept"' not in card and 'class="edit-go"' not in card
        assert 'class="reject-go"' in card
    assert 'class="accept"' in _card(page, "P12"), "a proposal on another anchor's link is untouched"


def test_a_bad_link_or_a_missing_token_is_refused_on_the_page(demo: Demo) -> None:
    web, _ = client(demo)
    token = csrf_of(web.get(f"/runs/{demo.run_id}/review").text)
    assert web.post(f"/runs/{demo.run_id}/links/A4", data={"claims": "C2"}).status_code == 403
    bad = web.post(f"/runs/{demo.run_id}/links/A4", data={"csrf": token, "claims": "C9"})
    assert bad.status_code == 400 and "the line has no claim C9" in bad.text.split('id="link-A4"', 1)[1].split('id="link-', 1)[0], "said at A4's row"
    assert web.post(f"/runs/{demo.run_id}/links/A9", data={"csrf": token, "claims": "C1"}).status_code == 400
    with demo.store() as store:
        assert links_in_force(store, demo.run_id) == {}


def test_applying_on_the_page_writes_the_link(demo: Demo) -> None:
    web, _ = client(demo)
    token = csrf_of(web.get(f"/runs/{demo.run_id}/review").text)
    assert web.post(f"/runs/{demo.run_id}/links/A4", data={"csrf": token, "claims": "C2"}, follow_redirects=False).status_code == 303
    assert cli(["review", demo.run_id, "--accept-grounded"]) == 0
    assert cli(["review", demo.run_id, "--reject", "P13,P15"]) == 0
    preview = web.get(f"/runs/{demo.run_id}/apply").text
    assert "the links of A4" in preview
    done = web.post(f"/runs/{demo.run_id}/apply", data={"csrf": token})
    assert done.status_code == 200 and "the links of A4" in done.text
    line = load_line(demo.line.with_suffix(".md")).line
    assert [a.claims for a in line.prompt.anchors] == [[], [], [], ["C2"]]
