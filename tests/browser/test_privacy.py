"""Privacy in real Chromium: readers and listeners talk only to the service and get no cookie."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

#: Schemes that never leave the browser.
LOCAL_SCHEMES = {"data", "blob", "about"}


class Recorder:
    """Every request and every Set-Cookie of a browser context."""

    def __init__(self, context):
        """Listen on the whole context, so new tabs and workers are recorded too."""
        self.requests: list[tuple[str, str, str]] = []
        self.set_cookies: list[tuple[str, str]] = []
        context.on("request", lambda r: self.requests.append((r.method, r.resource_type, r.url)))
        context.on("response", self._response)

    def _response(self, response) -> None:
        """Note any Set-Cookie header."""
        value = response.header_value("set-cookie")
        if value:
            self.set_cookies.append((response.url, value))

    def foreign(self, origin: str) -> list[tuple[str, str, str]]:
        """Requests that go anywhere but the service's own origin."""
        own = urlsplit(origin)
        out = []
        for method, kind, url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in LOCAL_SCHEMES:
                continue
            if (parts.scheme, parts.hostname, parts.port) != (own.scheme, own.hostname, own.port):
                out.append((method, kind, url))
        return out


def read_and_listen(page, origin: str) -> None:
    """A resident's visit: arrive, switch language, read pages, listen, pause, jump, stop."""
    page.goto(origin + "/")
    assert urlsplit(page.url).path == "/de/"
    with page.expect_navigation():
        page.click(".lang-switcher a[hreflang=en]")
    assert urlsplit(page.url).path == "/en/"
    with page.expect_navigation():
        page.click(".main-nav a >> nth=1")
    # Listen: play until audio time advances, then jump to the next paragraph and pause.
    page.click(".player-play")
    page.wait_for_function(
        "document.querySelector('.player-audio').currentTime > 1", timeout=30_000
    )
    page.click("[data-action=next]")
    page.keyboard.press("Tab")
    page.click(".player-play")
    page.wait_for_function("document.querySelector('.player-audio').paused")
    # A section's own audio, when the page offers one.
    if page.locator("h2.block + .block-listen .block-actions").count():
        page.click("h2.block + .block-listen .block-actions >> nth=0")
        page.click(".block-menu .section-listen")
        page.wait_for_function(
            "document.querySelector('.player-audio').currentTime > 0.3", timeout=30_000
        )
        page.click("[data-action=stop]")
    # Arabic, right to left, and the accessibility statement (read only, the form not sent).
    with page.expect_navigation():
        page.click(".lang-switcher a[hreflang=ar]")
    with page.expect_navigation():
        page.click(".footer-links a >> nth=1")
    page.wait_for_load_state("load")


@pytest.fixture
def german_context(browser):
    """A fresh profile of a browser set to German, as most residents' are."""
    # bypass_csp: the journey's probes evaluate strings, which the CSP blocks (test_csp.py runs with it)
    ctx = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        ctx.close()


def test_journey_stays_on_own_origin_and_sets_no_cookie(live_service, german_context):
    """Every request of the journey goes to the service; no cookie, no storage is left behind."""
    context = german_context
    recorder = Recorder(context)
    page = context.new_page()
    read_and_listen(page, live_service.origin)

    kinds = {kind for _, kind, _ in recorder.requests}
    assert {"document", "stylesheet", "script", "media"} <= kinds, f"journey incomplete: {kinds}"
    assert any("/audio/" in url for _, _, url in recorder.requests), "no audio was requested"
    foreign = recorder.foreign(live_service.origin)
    assert not foreign, "requests to third parties:\n" + "\n".join(
        f"{m} {k} {u}" for m, k, u in foreign
    )

    assert recorder.set_cookies == [], f"Set-Cookie sent to a reader: {recorder.set_cookies}"
    assert context.cookies() == [], f"cookies in the browser: {context.cookies()}"
    storage = page.evaluate("[document.cookie, localStorage.length, sessionStorage.length]")
    assert storage == ["", 0, 0], f"cookie or web storage used: {storage}"


def test_recorder_sees_a_third_party_request(live_service, context):
    """The check itself works: a request to another host is reported as foreign."""
    recorder = Recorder(context)
    page = context.new_page()
    page.route("http://tracker.invalid/**", lambda route: route.fulfill(status=204, body=""))
    page.goto(live_service.origin + "/de/")
    page.evaluate("fetch('http://tracker.invalid/pixel').catch(() => null)")
    page.wait_for_timeout(200)
    assert [u for _, _, u in recorder.foreign(live_service.origin)] == [
        "http://tracker.invalid/pixel"
    ]


def test_sending_feedback_or_a_suggestion_sets_no_cookie(live_service, german_context):
    """Writing to the city (barrier report, better translation) needs no session either."""
    recorder = Recorder(german_context)
    page = german_context.new_page()
    page.goto(live_service.origin + "/tr/barrierefreiheit")
    page.fill("#fb-message", "Bu sayfadaki bağlantılar ekran okuyucuda iki kez okunuyor.")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert page.locator(".form-success").count() == 1
    page.goto(live_service.origin + "/tr/")
    page.click("#b2 + .block-listen .block-actions")  # a block's actions hold its suggestion link
    with page.expect_navigation():
        page.click(".block-menu .block-suggest")
    page.fill("#suggestion", "Daha iyi bir çeviri önerisi: okuyucudan gelen kısa bir metin.")
    with page.expect_navigation():
        page.click("form.feedback button[type=submit]")
    assert page.locator(".form-success").count() == 1
    assert not recorder.foreign(live_service.origin)
    assert recorder.set_cookies == [] and german_context.cookies() == [], (
        recorder.set_cookies,
        german_context.cookies(),
    )
