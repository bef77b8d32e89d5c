"""The workbench editor in real Chromium: typed text survives a logout elsewhere and a reload; Ctrl+Enter saves."""

from __future__ import annotations

import pytest
from guide_shots import shoot  # the browser tests are a folder of modules, not a package

pytestmark = pytest.mark.browser

USER = "editor-anna"
PASSWORD = "editor-keeps-every-word-7"
TEXT = "Please note – “exactly” this, typed in the browser."


@pytest.fixture(scope="module")
def translator(live_service) -> str:
    """A translator of English, made with `flask users add`."""
    result = live_service.flask("users", "add", USER, "--role", "translator", "--locales", "en",
                                "--password-stdin", input=PASSWORD + "\n")
    assert result.returncode == 0, result.stdout + result.stderr
    return USER


def sign_in(page, origin: str) -> None:
    """Log in through the real form."""
    page.goto(f"{origin}/translate/login")
    page.fill("#login-username", USER)
    page.fill("#login-password", PASSWORD)
    page.press("#login-password", "Enter")
    page.wait_for_url("**/translate/")


def open_entry(page, origin: str, query: str) -> None:
    """Open the editor of the first English entry matching a search."""
    page.goto(f"{origin}/translate/en/?q={query}")
    page.click("table a[href*='/translate/en/entry/']")
    page.wait_for_selector("#msgstr")


def test_text_survives_a_logout_in_another_tab(live_service, context, translator):
    """Logged out in a second tab, Save shows the typed text and a login; logging in there saves it exactly."""
    origin = live_service.origin
    page = context.new_page()
    sign_in(page, origin)
    open_entry(page, origin, "Barrierefreiheit")
    page.fill("#msgstr", TEXT)
    other = context.new_page()
    other.goto(f"{origin}/translate/")
    other.click(".wb-logout button")
    other.wait_for_url("**/translate/login")
    page.click("button[value=save]")
    page.wait_for_selector("#session-ended")
    assert page.input_value("#msgstr") == TEXT
    shoot(page, "workbench-session-ended")
    page.fill("#login-username", USER)
    page.fill("#login-password", PASSWORD)
    page.click("#wb-editor-form button[value=save]")
    page.wait_for_selector("#review-title")
    assert page.input_value("#msgstr") == TEXT
    assert TEXT in page.inner_text("section.wb-review")


def test_a_draft_comes_back_after_a_reload(live_service, context, translator):
    """Text typed but not saved is kept in localStorage and offered again when the editor is reloaded."""
    origin = live_service.origin
    page = context.new_page()
    sign_in(page, origin)
    open_entry(page, origin, "Kontakt")
    original = page.input_value("#msgstr")
    page.fill("#msgstr", TEXT + " (draft)")
    page.reload()
    assert page.input_value("#msgstr") == original
    page.wait_for_selector("#wb-draft:not([hidden])")
    assert page.inner_text("#wb-draft-text") == TEXT + " (draft)"
    page.click("#wb-draft-restore")
    assert page.input_value("#msgstr") == TEXT + " (draft)"


def test_ctrl_enter_saves_and_opens_the_next_entry_alt_arrows_step(live_service, context, translator, artifacts):
    """Ctrl+Enter saves (for review) and opens the next entry of the list; Alt+Up goes back to the saved one."""
    origin = live_service.origin
    page = context.new_page()
    sign_in(page, origin)
    open_entry(page, origin, "Schule")
    first = page.url
    page.fill("#msgstr", TEXT + " (keyboard)")
    page.focus("#msgstr")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.url != first and "/translate/en/entry/" in page.url
    page.screenshot(path=str(artifacts / "workbench-editor-aids.png"), full_page=True)
    with page.expect_navigation():
        page.keyboard.press("Alt+ArrowUp")
    assert page.url.split("?")[0] == first.split("?")[0]
    assert page.input_value("#msgstr") == TEXT + " (keyboard)"
    assert page.is_visible("#review-title")


def test_review_and_upload_preview_pass_axe(live_service, context, translator, artifacts, tmp_path):
    """The editor with a proposal and a diff, and the upload preview with conflicts and broken entries: no WCAG
    A/AA violation; the preview lists the broken entry with its line and German text, and writes nothing."""
    from test_axe import axe_violations, describe  # the browser tests are a folder of modules, not a package

    origin = live_service.origin
    page = context.new_page()
    sign_in(page, origin)
    open_entry(page, origin, "Kontakt")
    page.fill("#msgstr", TEXT + " (review)")
    page.click("#wb-editor-form button[value=save]")
    page.wait_for_selector("#review-title")
    failures = []
    violations = axe_violations(page)
    if violations:
        failures.append(describe(violations, page.url + " (proposal)"))
    data = page.request.get(f"{origin}/translate/en/download").body().decode()
    broken = data.replace('msgid "Hinweis"\nmsgstr "', 'msgid "Hinweis"\nmsgstr "%(x)s ', 1)
    assert broken != data
    path = tmp_path / "messages-en.po"
    path.write_text(broken, encoding="utf-8")
    page.goto(f"{origin}/translate/en/upload")
    page.set_input_files("#po-file", str(path))
    page.check("#mode-replace")
    with page.expect_navigation():
        page.click("form.wb-form button[type=submit]")
    assert page.locator("tr.wb-upload-invalid").count() == 1
    assert "Hinweis" in page.inner_text("tr.wb-upload-invalid")
    page.screenshot(path=str(artifacts / "workbench-upload-preview.png"), full_page=True)
    violations = axe_violations(page)
    if violations:
        failures.append(describe(violations, page.url + " (upload preview)"))
    assert not failures, "axe-core found WCAG A/AA violations:\n" + "\n".join(failures)
