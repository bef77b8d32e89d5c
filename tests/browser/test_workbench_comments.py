"""Comments in real Chromium: written in the editor with Ctrl+Enter (the translation stays as it was), shown with
author and time, listed and resolved; the editor with comments, a refused comment and the list pass axe."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

USER = "comment-tina"
PASSWORD = "comments-are-kept-safe-9"
QUESTION = "Heißt „Kita“ hier day-care centre oder nursery? Bitte mit der Redaktion klären."


@pytest.fixture(scope="module")
def translator(live_service) -> str:
    """A translator of English, made with `flask users add`."""
    result = live_service.flask("users", "add", USER, "--role", "translator", "--locales", "en",
                                "--password-stdin", input=PASSWORD + "\n")
    assert result.returncode == 0, result.stdout + result.stderr
    return USER


def test_a_comment_written_with_ctrl_enter_is_shown_listed_and_resolved(live_service, context, translator,
                                                                         artifacts):
    """Ctrl+Enter in the comment field sends the comment only; the list shows it; resolving empties the list."""
    from test_axe import axe_violations, describe  # the browser tests are a folder of modules, not a package

    origin = live_service.origin
    page = context.new_page()
    page.goto(f"{origin}/translate/login")
    page.fill("#login-username", USER)
    page.fill("#login-password", PASSWORD)
    page.press("#login-password", "Enter")
    page.wait_for_url("**/translate/")
    page.goto(f"{origin}/translate/en/?q=Hinweis")
    page.click("table a[href*='/translate/en/entry/']")
    page.wait_for_selector("#msgstr")
    translation = page.input_value("#msgstr")
    failures = []

    page.fill("#comment-text", "   ")
    with page.expect_navigation():
        page.click("#wb-comment-form button[type=submit]")
    assert page.locator("#comment-error").count() == 1
    violations = axe_violations(page)
    if violations:
        failures.append(describe(violations, page.url + " (refused comment)"))
    page.go_back()
    page.wait_for_selector("#msgstr")

    page.fill("#comment-text", QUESTION)
    with page.expect_navigation():
        page.press("#comment-text", "Control+Enter")
    page.wait_for_selector("li.wb-comment")
    assert QUESTION in page.inner_text("li.wb-comment") and USER in page.inner_text("li.wb-comment")
    assert page.input_value("#msgstr") == translation and page.locator("#review-title").count() == 0
    page.screenshot(path=str(artifacts / "workbench-comments.png"), full_page=True)
    violations = axe_violations(page)
    if violations:
        failures.append(describe(violations, page.url + " (comments)"))

    page.goto(f"{origin}/translate/en/comments")
    assert QUESTION in page.inner_text("table.wb-comment-table")
    violations = axe_violations(page)
    if violations:
        failures.append(describe(violations, page.url))
    with page.expect_navigation():
        page.click("table.wb-comment-table button[type=submit]")
    assert page.locator("table.wb-comment-table").count() == 0
    page.goto(f"{origin}/translate/en/comments?state=all")
    assert f"resolved by {USER}" in page.inner_text("table.wb-comment-table")  # the browser asks for English
    assert not failures, "axe-core found WCAG A/AA violations:\n" + "\n".join(failures)
