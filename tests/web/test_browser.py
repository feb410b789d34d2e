"""The review in a real browser: Debian's Chromium driven by Playwright, against `retest serve` in a subprocess.

Skipped only when no Chromium is installed (.ci/run installs it). Screenshots
are kept in test-artefacts/ (gitignored) at a laptop's and a phone's width.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from agent.line.read import load_line
from tests.web.conftest import REPO, Demo, poison_abstract

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium; .ci/run does it)")
ARTEFACTS = REPO / "test-artefacts"
LAPTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
EDITED = "Wages stagnate in AGI scenarios while labor's share of tasks decays slowly (~2026)"


@contextmanager
def serving(demo: Demo, *extra: str) -> Iterator[str]:
    """`retest serve` on a free port; yields the URL it printed."""
    env = {**os.environ, "RETEST_HOME": str(demo.home), "RETEST_REVIEWER": "tester"}
    proc = subprocess.Popen([sys.executable, "-m", "agent.cli", "serve", "--port", "0", *extra], stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "http://" in first, f"retest serve printed no URL: {first!r}"
        yield first.split("at ", 1)[1].strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield instance
        instance.close()


def shoot(page, name: str) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    for label, size in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTEFACTS / f"{name}-{label}.png"), full_page=False)
    page.set_viewport_size(LAPTOP)


def card(page, pid: str):
    return page.locator(f"#card-{pid}")


def test_a_whole_review_and_apply_in_the_browser(demo: Demo, browser) -> None:
    poison_abstract(demo, "P2")
    with serving(demo) as url:
        page = browser.new_page(viewport=LAPTOP)
        page.goto(url)
        page.click(f"a[href='/runs/{demo.run_id}/review']")
        assert page.locator("article.card").count() == 15
        # The escaping test: the abstract's script did not run and its forged link is text.
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#forged").count() == 0 and "<script>window.__pwned" in card(page, "P2").inner_text()
        card(page, "P1").get_by_role("button", name="Accept").click()
        card(page, "P3").get_by_role("button", name="Accept").click()
        card(page, "P4").locator("summary", has_text="Reject").click()
        card(page, "P4").locator("input[name=reason]").fill("the mechanism is not new")
        card(page, "P4").get_by_role("button", name="Reject", exact=True).click()
        card(page, "P2").locator("summary", has_text="Edit").click()
        card(page, "P2").locator("textarea").fill(EDITED)
        card(page, "P2").get_by_role("button", name="Save and accept").click()
        assert EDITED in card(page, "P2").locator(".after-text").inner_text(), "the edited text is shown back"
        card(page, "P3").get_by_role("button", name="Undo").click()
        states = {pid: card(page, pid).get_attribute("data-state") for pid in ("P1", "P2", "P3", "P4")}
        assert states == {"P1": "accept", "P2": "edit", "P3": "pending", "P4": "reject"}
        assert "the mechanism is not new" in card(page, "P4").inner_text()
        page.goto(f"{url}runs/{demo.run_id}/review#card-P2")
        shoot(page, "review")
        page.click("#apply-link")
        diff = page.locator("#file-diff").inner_text()
        assert "Wages stagnate in AGI scenarios" in diff and not demo.line.with_suffix(".md").exists(), "the diff comes first"
        shoot(page, "apply-preview")
        page.click("#apply-go")
        assert "Applied P1, P2" in page.locator("#apply-done").inner_text()
    line = load_line(demo.line.with_suffix(".md")).line
    claims = {c.id: c.text for c in line.prompt.claims}
    assert claims["C1"] == EDITED.removesuffix(" (~2026)")
    assert [a.split()[0] for e in line.changelog for a in e.applied] == ["P1", "P2"], "P3 was undone, P4 rejected: only P1 and P2 are written"
    assert "Structured Argumentative Dialogues" in next(a.cited_title for a in line.prompt.anchors if a.id == "A3")


def test_off_loopback_a_request_without_the_token_is_refused(demo: Demo, browser) -> None:
    with serving(demo, "--host", "0.0.0.0") as url:
        assert "?token=" in url
        base, token = url.split("?token=")
        local = base.replace("0.0.0.0", "127.0.0.1")
        page = browser.new_page()
        assert page.request.get(local).status == 403
        assert page.request.get(f"{local}runs/{demo.run_id}/review").status == 403
        assert page.request.post(f"{local}runs/{demo.run_id}/apply", form={"csrf": "x"}).status == 403
        assert page.goto(f"{local}?token={token}").status == 200 and demo.run_id in page.content()
