"""The translators' guide, screen by screen in real Chromium (in English, as the guide is): each test checks what a
translator checks there and takes the guide's screenshot (guide_shots.py: HERNE_SCREENSHOTS=docs/translate/img
writes them into the docs)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from guide_shots import shoot  # the browser tests are a folder of modules, not a package
from test_axe import axe_violations, describe

pytestmark = pytest.mark.browser

TRANSLATOR, ADMIN, LEAVER = "guide-tina", "guide-admin", "guide-leaver"
PASSWORD = "violet tractor moonlight 9"
PROPOSAL = "Gymnasium Wanne, the grammar school in Wanne"


@pytest.fixture(scope="module")
def accounts(live_service) -> None:
    """A translator of English and Romanian, an admin, and an account to remove, made with `flask users add`."""
    for name, role, locales in ((TRANSLATOR, "translator", "en,ro"), (ADMIN, "admin", ""),
                                (LEAVER, "translator", "tr")):
        args = ["users", "add", name, "--role", role, "--password-stdin"] + (["--locales", locales] if locales else [])
        result = live_service.flask(*args, input=PASSWORD + "\n")
        assert result.returncode == 0, result.stdout + result.stderr


def assert_accessible(page, what: str) -> None:
    """No WCAG A/AA violation that axe-core finds on the page."""
    violations = axe_violations(page)
    assert not violations, describe(violations, f"{page.url} ({what})")


def sign_in(page, origin: str, user: str) -> None:
    """Log in through the real form."""
    page.goto(f"{origin}/translate/login")
    page.fill("#login-username", user)
    page.fill("#login-password", PASSWORD)
    with page.expect_navigation():
        page.press("#login-password", "Enter")
    assert page.url.endswith("/translate/")


def open_entry(page, origin: str, locale: str, query: str) -> str:
    """Open the editor of the first entry matching a search; its URL."""
    page.goto(f"{origin}/translate/{locale}/?q={query}")
    page.click(f"table a[href*='/translate/{locale}/entry/']")
    page.wait_for_selector("#edit-title")
    return page.url


def test_the_list_shows_each_status_and_filters_by_it(live_service, context, accounts):
    """A page's entries in Romanian: reviewed, machine, outdated and untranslated, each labelled; the status filter
    keeps one kind."""
    origin = live_service.origin
    page = context.new_page()
    sign_in(page, origin, TRANSLATOR)
    page.goto(f"{origin}/translate/ro/?source=talentschulen")
    labels = set(page.locator("table .wb-status").all_inner_texts())
    assert {"reviewed", "machine-translated", "not reviewed or outdated", "untranslated"} <= labels
    shoot(page, "workbench-list")
    page.select_option("#f-status", "machine")
    with page.expect_navigation():
        page.click("form.wb-filter button[type=submit]")
    assert set(page.locator("table .wb-status").all_inner_texts()) == {"machine-translated"}


def test_the_editor_shows_glossary_memory_neighbours_and_shortcuts(live_service, context, accounts):
    """Beside an entry: the glossary's required term, the memory's similar entries with their similarity, other
    languages, the neighbours on the page, and the list of keyboard shortcuts."""
    origin = live_service.origin
    page = context.new_page()
    sign_in(page, origin, TRANSLATOR)
    open_entry(page, origin, "en", "Beispiel: TalentKolleg Ruhr")
    assert "TalentKolleg Ruhr" in page.inner_text(".wb-hints")
    assert re.search(r"\d+ %", page.inner_text(".wb-memory li")) and page.is_visible(".wb-memory button.wb-use")
    assert page.locator(".wb-aids dt[lang=tr]").count() == 1
    assert page.locator(".wb-neighbours li").count() >= 2
    shoot(page, "workbench-editor", height=900)
    page.click(".wb-shortcuts summary")
    shortcuts = page.inner_text(".wb-shortcuts")
    assert "Enter" in shortcuts and "Previous entry" in shortcuts
    assert page.get_attribute("#wb-editor-form button[value=save]", "aria-keyshortcuts") == "Control+Enter"
    shoot(page, "workbench-aids", "#aids-title", height=1000)
    shoot(page, "workbench-shortcuts", "#edit-title", height=700)


def test_a_reviewer_sees_the_proposal_with_a_diff_and_rejects_it_with_a_comment(live_service, browser, accounts):
    """The translator's save waits for review; the admin sees it with a word diff, rejects it with a comment, and the
    comment is in the entry's history."""
    origin = live_service.origin
    translator = browser.new_context(base_url=origin, viewport={"width": 1000, "height": 800})
    reviewer = browser.new_context(base_url=origin, viewport={"width": 1000, "height": 800})
    try:
        page = translator.new_page()
        sign_in(page, origin, TRANSLATOR)
        url = open_entry(page, origin, "en", "Gymnasium Wanne")
        page.fill("#msgstr", PROPOSAL)
        with page.expect_navigation():
            page.click("#wb-editor-form button[value=save]")
        assert PROPOSAL in page.inner_text("section.wb-review")
        admin = reviewer.new_page()
        sign_in(admin, origin, ADMIN)
        admin.goto(url)
        review = admin.locator("section.wb-review")
        assert review.locator(".wb-diff ins").count() >= 1
        assert admin.is_visible("section.wb-review button[value=approve]")
        shoot(admin, "workbench-review", "#review-title", height=480)
        admin.fill("#reject-comment", "Please keep the school's name as it is.")
        with admin.expect_navigation():
            admin.click("section.wb-review button[value=reject]")
        assert admin.locator("section.wb-review").count() == 0
        page.goto(url)
        assert "Please keep the school's name as it is." in page.inner_text("section:has(#h-title)")
    finally:
        translator.close()
        reviewer.close()


def test_an_upload_preview_lists_changes_and_broken_entries(live_service, context, accounts, tmp_path):
    """A file with one changed and one broken entry: the preview shows the change with a diff and the broken entry
    with its line and German text; nothing is written before Import."""
    origin = live_service.origin
    page = context.new_page()
    sign_in(page, origin, TRANSLATOR)
    data = page.request.get(f"{origin}/translate/en/download").body().decode()
    old, new = 'msgid "Ihre Rechte"\nmsgstr "Your rights"', 'msgid "Ihre Rechte"\nmsgstr "Your rights here"'
    changed = data.replace(old, new, 1)
    broken = changed.replace('msgid "Hinweis"\nmsgstr "', 'msgid "Hinweis"\nmsgstr "%(x)s ', 1)
    assert data != changed != broken
    path = tmp_path / "messages-en.po"
    path.write_text(broken, encoding="utf-8")
    page.goto(f"{origin}/translate/en/upload")
    page.set_input_files("#po-file", str(path))
    page.check("#mode-replace")
    with page.expect_navigation():
        page.click("form.wb-form button[type=submit]")
    assert "Hinweis" in page.inner_text("tr.wb-upload-invalid")
    assert "Your rights here" in page.inner_text("main")
    shoot(page, "workbench-upload-preview")
    assert "Your rights here" not in page.request.get(f"{origin}/translate/en/download").body().decode()


def test_a_term_is_heard_before_its_pronunciation_is_written(live_service, context, accounts):
    """In the lexicon a term without a spoken form has a player of how the voice says it now, and it plays."""
    origin = live_service.origin
    page = context.new_page()
    sign_in(page, origin, TRANSLATOR)
    page.goto(f"{origin}/translate/ro/lexicon")
    empty = page.locator("li:has(input[name=msgstr][value=''])").first
    player = empty.locator("audio")
    assert "without a pronunciation of its own" in empty.inner_text()
    duration = player.evaluate("a => new Promise((ok, fail) => { a.onloadedmetadata = () => ok(a.duration); "
                               "a.onerror = () => fail(String(a.error && a.error.code)); a.preload = 'auto'; "
                               "a.load(); })")
    assert duration > 0.2
    assert_accessible(page, "lexicon")
    shoot(page, "workbench-lexicon")


def test_times_follow_the_browsers_zone_and_the_password_can_be_changed(live_service, browser, accounts):
    """A browser in Tokyo signs in: the account page has Asia/Tokyo chosen and shows the time in Tokyo; the password
    form asks for the current password."""
    origin = live_service.origin
    context = browser.new_context(base_url=origin, viewport={"width": 1000, "height": 800}, timezone_id="Asia/Tokyo")
    try:
        page = context.new_page()
        sign_in(page, origin, TRANSLATOR)
        page.goto(f"{origin}/translate/account")
        assert page.input_value("#account-zone") == "Asia/Tokyo"
        assert_accessible(page, "account")
        shoot(page, "workbench-account")
        page.fill("#account-current", "not my password")
        page.fill("#account-password", "another violet tractor")
        page.fill("#account-repeat", "another violet tractor")
        with page.expect_navigation():
            page.click("form:has(input[value=password]) button[type=submit]")
        assert "The current password is wrong." in page.inner_text("#account-current-error")
        assert_accessible(page, "account, refused password")
        before = dt.datetime.now(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
        page.goto(f"{origin}/translate/account")
        after = dt.datetime.now(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
        hint = page.inner_text("#zone-hint")  # "… It is now 7 Dec 2026, 05:12."
        assert before in hint or after in hint, (hint, before, after)
    finally:
        context.close()


def test_removing_an_account_asks_and_works_from_the_keyboard(live_service, context, accounts):
    """The admin's delete button opens a question; Cancel keeps the account; Yes, reached with Tab and Enter,
    removes it."""
    origin = live_service.origin
    page = context.new_page()
    sign_in(page, origin, ADMIN)
    page.goto(f"{origin}/translate/users")
    delete = f"form:has(input[name=username][value={LEAVER}]) button:has-text('Delete account')"
    with page.expect_navigation():
        page.click(delete)
    assert f"Do you really want to delete the account {LEAVER}?" in page.inner_text("main")
    assert_accessible(page, "removal question")
    shoot(page, "workbench-remove-confirm")
    with page.expect_navigation():
        page.click("main a:has-text('Cancel')")
    assert page.locator(f"th:has-text('{LEAVER}')").count() == 1
    with page.expect_navigation():
        page.click(delete)
    page.focus("main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"Account {LEAVER} deleted." in page.inner_text(".wb-flash")
    assert page.locator(f"th:has-text('{LEAVER}')").count() == 0
