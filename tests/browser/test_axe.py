"""axe-core in real Chromium: zero WCAG 2.0/2.1/2.2 A and AA violations on every page shown."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

#: The rule sets the city's accessibility duty (BITV 2.0 / EN 301 549) maps to.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

_axe = Axe()


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now and return its violations."""
    return _axe.run(page, options=AXE_OPTIONS).response["violations"]


def describe(violations: list[dict], where: str) -> str:
    """One readable line per rule and element: what a person needs to fix it."""
    lines = []
    for v in violations:
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(
                f"{where}: [{v['id']}] ({v.get('impact')}) {v['help']}\n"
                f"    element: {target}\n    html: {node.get('html', '')[:200]}\n"
                f"    {summary[:300]}"
            )
    return "\n".join(lines)


def assert_no_violations(page, where: str) -> None:
    """Fail with rule, element and page for every violation found."""
    violations = axe_violations(page)
    assert not violations, "axe-core found WCAG A/AA violations:\n" + describe(violations, where)


def test_axe_reports_a_known_violation(page):
    """The harness itself works: an image without text and an unlabelled field are reported."""
    page.set_content(
        '<!doctype html><html lang="de"><title>t</title><main>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<input type="text"></main></html>'
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= found


def test_sitemap_lists_every_locale(live_service):
    """The sitemap the sweep relies on names every shipped locale."""
    urls = live_service.sitemap_urls()
    locales = {u.removeprefix(live_service.url).split("/", 1)[0] for u in urls}
    assert {"de", "en", "tr", "ar", "pl", "uk", "ro", "ru"} <= locales
    assert all(u.startswith(live_service.url) for u in urls)


def test_every_page_in_every_locale(live_service, page):
    """Every URL of the sitemap, loaded in Chromium, has zero violations."""
    urls = live_service.sitemap_urls()
    assert len(urls) >= 8
    failures = []
    for url in urls:
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, (
            f"{url}: HTTP {response and response.status}\n{live_service.log_tail()}"
        )
        violations = axe_violations(page)
        if violations:
            failures.append(describe(violations, url))
    assert not failures, "axe-core found WCAG A/AA violations:\n" + "\n".join(failures)


def test_machine_outdated_and_missing_states(degraded_url, page):
    """The page whose catalog entries are machine, outdated and missing shows them, and passes."""
    url = degraded_url
    page.goto(url)
    assert page.locator(".block.status-machine").count() >= 1
    assert page.locator(".block.status-outdated").count() >= 1
    assert page.locator(".mt-notice").count() >= 1
    assert_no_violations(page, url)


@pytest.mark.parametrize("locale", ["de", "ar"])
def test_feedback_form_with_errors_and_success(live_service, page, artifacts, locale):
    """The accessibility statement's form: empty, with every error shown, and after sending."""
    url = f"{live_service.origin}/{locale}/barrierefreiheit"
    page.goto(url)
    assert page.locator("form textarea#fb-message").count() == 1
    assert_no_violations(page, url)

    # Errors: an invalid address and a too short message, sent by a real click.
    page.fill("#fb-email", "not-an-address")
    page.fill("#fb-message", "kurz")
    page.click("form button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator(".form-errors").count() == 1
    assert page.locator("#fb-email[aria-invalid=true]").count() == 1
    assert page.locator("#fb-message[aria-invalid=true]").count() == 1
    assert_no_violations(page, url + " (validation errors)")
    page.set_viewport_size({"width": 320, "height": 900})
    page.locator("#feedback").screenshot(path=str(artifacts / f"feedback-errors-{locale}-320.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    page.fill("#fb-email", "")
    page.fill("#fb-message", "Der Kontrast der Fußzeile ist auf meinem Telefon zu schwach.")
    page.click("form button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator(".form-success").count() == 1
    assert_no_violations(page, url + " (sent)")


def test_suggestion_form_for_readers(live_service, page):
    """The public 'suggest a better translation' form: empty, with its error, and after sending."""
    page.goto(f"{live_service.origin}/ar/")
    with page.expect_navigation():
        page.click(".suggest-link >> nth=0")
    url = page.url
    assert_no_violations(page, url)
    page.click("form.feedback button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator("#suggestion[aria-invalid=true]").count() == 1
    assert_no_violations(page, url + " (validation error)")
    page.fill("#suggestion", "اقتراح ترجمة أفضل لهذه الفقرة.")
    page.click("form.feedback button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator(".form-success").count() == 1
    assert_no_violations(page, url + " (sent)")


WORKBENCH_USER = "axe-admin"
WORKBENCH_PASSWORD = "browser-test-password-1"


@pytest.fixture(scope="module")
def workbench_admin(live_service) -> tuple[str, str]:
    """An admin account made the way operators make one: with `flask users add`."""
    result = live_service.flask(
        "users",
        "add",
        WORKBENCH_USER,
        "--role",
        "admin",
        "--password-stdin",
        input=WORKBENCH_PASSWORD + "\n",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return WORKBENCH_USER, WORKBENCH_PASSWORD


def test_translator_workbench(live_service, page, artifacts, workbench_admin):
    """Login (also failed), overview, lists, editor (also refused), upload, queue, history."""
    origin = live_service.origin
    page.goto(f"{origin}/translate/login")
    assert_no_violations(page, page.url)
    page.fill("#login-username", workbench_admin[0])
    page.fill("#login-password", "wrong-password-xyz")
    page.click("form.wb-form button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator("#login-error").count() == 1
    assert_no_violations(page, page.url + " (failed login)")

    page.fill("#login-username", workbench_admin[0])
    page.fill("#login-password", workbench_admin[1])
    with page.expect_navigation():
        page.click("form.wb-form button[type=submit]")
    assert page.url.rstrip("/").endswith("/translate"), page.url

    failures = []
    visited = []
    for path in [
        "/translate/",
        "/translate/ar/",
        "/translate/ar/?status=machine",
        "/translate/tr/?q=Talent",
        "/translate/ar/upload",
        "/translate/ar/suggestions",
        "/translate/ar/history",
        "/translate/ar/comments",
        "/translate/account/notifications",
        "/translate/users",
    ]:
        response = page.goto(origin + path)
        assert response is not None and response.status == 200, (
            f"{path}: HTTP {response and response.status}"
        )
        visited.append(path)
        violations = axe_violations(page)
        if violations:
            failures.append(describe(violations, origin + path))

    # Editor of an entry with a placeholder; dropping it is refused with the errors shown.
    page.goto(origin + "/translate/ar/?q=%25%28")
    link = page.locator("table.wb-entries a").first
    assert link.count() == 1, "no entry with a placeholder to edit"
    with page.expect_navigation():
        link.click()
    violations = axe_violations(page)
    if violations:
        failures.append(describe(violations, page.url))
    page.locator("form.wb-form textarea").first.fill("نص بدون عنصر نائب")
    page.click("form.wb-form button[value=save]")
    page.wait_for_load_state("load")
    assert page.locator("#form-errors").count() == 1, "the broken translation was not refused"
    page.screenshot(path=str(artifacts / "workbench-editor-refused.png"), full_page=True)
    violations = axe_violations(page)
    if violations:
        failures.append(describe(violations, page.url + " (refused save)"))
    assert not failures, "axe-core found WCAG A/AA violations in the workbench:\n" + "\n".join(
        failures
    )


@pytest.mark.parametrize(
    "path", ["/de/gibt-es-nicht", "/ar/gibt-es-nicht", "/xx/", "/audio/de/index/nope.mp3"]
)
def test_error_pages(live_service, page, path):
    """What a visitor meets on a wrong address is accessible too."""
    response = page.goto(live_service.origin + path)
    assert response is not None and response.status == 404
    assert_no_violations(page, live_service.origin + path)


@pytest.mark.parametrize("path", ["/de/", "/ar/talentschulen"])
def test_without_the_player_script(live_service, browser, path):
    """If player.js does not run, the native audio player with controls is there and passes too."""
    ctx = browser.new_context()
    try:
        ctx.route("**/*.js", lambda route: route.abort())  # axe itself is injected, not fetched
        page = ctx.new_page()
        page.goto(live_service.origin + path)
        assert page.locator("audio[controls]").is_visible()
        assert page.locator(".player-controls").is_hidden()
        assert_no_violations(page, live_service.origin + path + " (without player.js)")
    finally:
        ctx.close()


def _player_states(page, where: str) -> list[str]:
    """Walk the player through its states, running axe in each; return the failures."""
    failures = []

    def check(state: str) -> None:
        violations = axe_violations(page)
        if violations:
            failures.append(describe(violations, f"{where} ({state})"))

    check("enhanced, idle")
    page.click(".player-keys summary")
    check("shortcuts open")
    page.click(".player-play")
    page.wait_for_function("!document.querySelector('.player-audio').paused"
                           " && document.querySelector('.player-audio').currentTime > 0.3", timeout=30_000)
    page.wait_for_function("CSS.highlights.size === 2")
    check("playing, sentence and word highlighted")
    for scheme in ("blue", "underline", "yellow"):  # set in script: the bar may be docked (and closed) now
        page.evaluate("""v => { const s = document.querySelector('select[data-action=style]');
          s.value = v; s.dispatchEvent(new Event('change')); }""", scheme)
        if scheme != "yellow":
            check(f"highlight scheme {scheme}")
    page.click(".player-play")
    page.wait_for_function("document.querySelector('.player-audio').paused")
    check("paused")
    page.click(".player-play")
    page.mouse.wheel(0, 2500)
    page.wait_for_function("document.querySelector('.player-dock').classList.contains('is-docked')")
    check("docked while reading")
    page.click(".player-more")
    check("docked bar opened")
    page.click(".player-more")
    page.locator(".block-actions").nth(2).click()
    check("a block's actions open")
    page.keyboard.press("Escape")
    # A selection made in script (test_player.py selects with the mouse): the page may be scrolling now.
    page.evaluate("""() => { const blocks = document.querySelectorAll('article p.block');
      const p = blocks[blocks.length - 1]; p.scrollIntoView({block: 'center'});
      const r = document.createRange(); r.setStart(p.firstChild, 0); r.setEnd(p.firstChild, 25);
      getSelection().removeAllRanges(); getSelection().addRange(r); }""")
    page.locator(".player-selection").wait_for(state="visible")
    check("listen-to-selection button shown")
    page.evaluate("window.scrollTo(0, 0)")  # the full player again (docked, it shows the main controls only)
    page.wait_for_function("!document.querySelector('.player-dock').classList.contains('is-docked')")
    page.click(".player-aids summary")
    page.select_option("select[data-aid=size]", "150")
    page.select_option("select[data-aid=spacing]", "wider")
    page.select_option("select[data-aid=font]", "dyslexic")
    page.check("input[data-aid=ruler]")
    page.check("input[data-aid=textmode]")
    check("reading aids on: text size, spacing, font, ruler, text mode")
    page.uncheck("input[data-aid=textmode]")
    page.select_option("select[data-aid=size]", "100")
    page.click("input[data-action=highlight]")
    check("highlighting off")
    page.keyboard.press("Escape")
    page.locator(".player-play").focus()
    page.keyboard.press("s")
    page.wait_for_function("document.querySelector('.player-audio').paused")
    check("stopped")
    return failures


@pytest.mark.parametrize("locale", ["de", "ar"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_player_in_every_state(live_service, browser, locale, scheme):
    """The player idle, playing with highlights, paused, docked, with the selection button, highlights off, stopped."""
    # bypass_csp: the steps wait with wait_for_function, which the service's CSP (no eval) would block;
    # test_csp.py checks the player under the CSP itself.
    ctx = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = ctx.new_page()
        url = f"{live_service.origin}/{locale}/"
        page.goto(url)
        failures = _player_states(page, f"{url} [{scheme}]")
        assert not failures, "axe-core found WCAG A/AA violations:\n" + "\n".join(failures)
    finally:
        ctx.close()


@pytest.mark.parametrize("locale", ["de", "ar"])
def test_every_page_in_dark_mode(live_service, browser, locale):
    """Dark mode (prefers-color-scheme) covers the whole site: every page of the locale has zero violations."""
    ctx = browser.new_context(color_scheme="dark")
    try:
        page = ctx.new_page()
        prefix = f"{live_service.url}{locale}/"
        failures = []
        for url in [u for u in live_service.sitemap_urls() if u.startswith(prefix)]:
            page.goto(url)
            assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(18, 20, 22)"
            violations = axe_violations(page)
            if violations:
                failures.append(describe(violations, url + " [dark]"))
        page.goto(f"{live_service.origin}/translate/login")
        violations = axe_violations(page)
        if violations:
            failures.append(describe(violations, "/translate/login [dark]"))
        assert not failures, "axe-core found WCAG A/AA violations:\n" + "\n".join(failures)
    finally:
        ctx.close()
