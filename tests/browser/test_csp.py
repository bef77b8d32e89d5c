"""The Content-Security-Policy in a real Chromium: pages, the player and the workbench run with it, breaking none."""
from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

#: Records every CSP violation the page reports (an init script is not bound by the page's CSP).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || e.sourceFile || '')));
"""


@pytest.fixture
def strict(browser, live_service):
    """A fresh profile with the service's CSP in force (no bypass) that records violations."""
    ctx = browser.new_context(base_url=live_service.origin, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    ctx.add_init_script(RECORD_VIOLATIONS)
    try:
        yield ctx
    finally:
        ctx.close()


def _poll(page, expression: str, seconds: float = 30.0) -> None:
    """Wait until an expression is true, asking from outside the page (the CSP forbids evaluating strings in it)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        page.wait_for_timeout(100)


def test_pages_and_player_run_without_violations(strict, live_service):
    """Overview (Arabic too) and the accessibility page: styles load, the player starts and plays; nothing blocked."""
    page = strict.new_page()
    for path in ("/ar/", "/de/barrierefreiheit", "/de/"):
        page.goto(live_service.origin + path)
        assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") != "inline"
        assert page.evaluate("window.__csp") == [], path
    _poll(page, "!document.querySelector('.player-controls').hidden")  # player.js ran
    page.focus(".player-play")
    page.keyboard.press("Enter")
    _poll(page, "(() => { const a = document.querySelector('.player-audio');"
                " return !a.paused && a.currentTime > 0.2; })()")
    page.keyboard.press("Enter")
    assert page.evaluate("window.__csp") == []


def test_injected_inline_script_is_blocked(strict, live_service):
    """The CSP is in force: markup that sneaked in cannot run script or load from elsewhere."""
    page = strict.new_page()
    page.goto(live_service.origin + "/de/")
    page.evaluate("""() => {
        const s = document.createElement('script'); s.textContent = 'window.__ran = true';
        document.body.appendChild(s);
        const i = document.createElement('img'); i.src = 'http://tracker.invalid/pixel.gif';
        document.body.appendChild(i);
    }""")
    _poll(page, "window.__csp.length >= 2", 10)
    assert page.evaluate("window.__ran === undefined")
    violations = " ".join(page.evaluate("window.__csp"))
    assert "script-src" in violations and "img-src" in violations


def test_workbench_login_runs_without_violations(strict, live_service):
    """The workbench's own pages need nothing the CSP forbids either."""
    page = strict.new_page()
    page.goto(live_service.origin + "/translate/login")
    page.fill("#login-username", "nobody")
    page.fill("#login-password", "not the password")
    page.click("form.wb-form button[type=submit]")
    page.wait_for_selector("#login-error")  # the 401 page, styled and in the browser's language
    assert page.evaluate("window.__csp") == []
