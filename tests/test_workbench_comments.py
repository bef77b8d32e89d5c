"""Comments per entry through the real app, on SQLite and on PostgreSQL: written in the editor, shown there with
author and time, listed per locale (open or all), resolved; bad input refused with the text kept."""
from __future__ import annotations

import re

import pytest

from service import create_app
from service.db.schema import wb_comments
from service.workbench.comments import MAX_COMMENT

from .clock_support import MovableClock, utc
from .workbench_support import count, entry_key, login, make_user, open_editor, rows, token, unescape

QUESTION = "Ist „Kita“ hier die Kindertagesstätte oder der Kindergarten? Bitte einheitlich übersetzen."


@pytest.fixture
def clock() -> MovableClock:
    """A fixed moment that the tests move."""
    return MovableClock(utc(2026, 12, 1, 9, 30))


def comment(client, locale: str, key: str, text: str, csrf: str | None = None):
    """Post the editor's comment form."""
    page, fresh, _ = open_editor(client, locale, key)
    return client.post(f"/translate/{locale}/entry/{key}/comments",
                       data={"csrf_token": fresh if csrf is None else csrf, "comment": text})


def resolve_from(client, page_html: str, comment_id: int):
    """Press "mark resolved" of a comment on a page."""
    form = re.search(rf'action="(/translate/\w+/comments/{comment_id}/resolve)".*?name="back" value="([^"]*)"',
                     page_html, re.S)
    return client.post(form.group(1), data={"csrf_token": token(page_html), "back": unescape(form.group(2))})


def test_a_comment_is_shown_in_the_editor_listed_and_resolved(database, clock):
    """A translator asks, the city's editor sees it in the list and answers, the translator resolves it."""
    app = create_app({**database, "CLOCK": clock})
    make_user(app, "tina", locales=("en",))
    make_user(app, "redaktion", role="admin", locales=())
    translator, editor = app.test_client(), app.test_client()
    login(translator, "tina")
    login(editor, "redaktion")
    key = entry_key(translator, "en", "Hinweis")
    answer = comment(translator, "en", key, QUESTION)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/translate/en/entry/{key}#comments-title")

    page = unescape(editor.get("/translate/en/comments").text)
    assert QUESTION in page and "tina" in page and "2026-12-01T09:30:00Z" in page
    assert "1 Kommentar gefunden." in page

    clock.advance(minutes=5)
    assert comment(editor, "en", key, "Kindertagesstätte, wie im Glossar: „day-care centre“.").status_code == 303
    editor_page = unescape(open_editor(translator, "en", key)[0])
    assert editor_page.index(QUESTION) < editor_page.index("day-care centre")  # oldest first, with author and time
    assert "redaktion" in editor_page and "2026-12-01T09:35:00Z" in editor_page

    [first, second] = rows(app, wb_comments)
    clock.advance(minutes=1)
    resolved = resolve_from(translator, open_editor(translator, "en", key)[0], first.id)
    assert resolved.status_code == 303
    assert resolved.headers["Location"].endswith(f"/translate/en/entry/{key}#comments-title")
    first, second = rows(app, wb_comments)
    assert (first.state, first.resolved_by, first.resolved_at) == ("resolved", "tina", "2026-12-01T09:36:00Z")
    assert second.state == "open"

    open_list = unescape(editor.get("/translate/en/comments").text)
    assert "day-care centre" in open_list and QUESTION not in open_list
    everything = unescape(editor.get("/translate/en/comments?state=all").text)
    assert QUESTION in everything and (
        'erledigt von tina am <time datetime="2026-12-01T09:36:00Z" title="Europe/Berlin">01.12.2026, 10:36</time>'
        in everything)  # shown in Berlin time, the UTC moment kept for machines
    # Resolved from the list, it goes back to the list; a second press finds nothing open: 404.
    listed = editor.get("/translate/en/comments").text
    assert resolve_from(editor, listed, second.id).headers["Location"].endswith("/translate/en/comments")
    assert resolve_from(editor, listed, second.id).status_code == 404
    assert "0 Kommentare gefunden." in editor.get("/translate/en/comments").text


@pytest.mark.parametrize("text, message", [
    ("   \n ", "Bitte schreiben Sie einen Kommentar."),
    ("x" * (MAX_COMMENT + 1), f"Der Kommentar ist zu lang (höchstens {MAX_COMMENT} Zeichen)."),
    ("Bitte prüfen\x07", "Der Text enthält unzulässige Steuerzeichen."),
    ("Nul\x00byte", "Der Text enthält unzulässige Steuerzeichen."),
])
def test_a_refused_comment_comes_back_with_its_text_and_nothing_is_stored(app, text, message):
    """Empty, too long or with control characters: 400, the reason next to the field, the text in it."""
    make_user(app, "tina")
    client = app.test_client()
    login(client, "tina")
    key = entry_key(client, "en", "Hinweis")
    answer = comment(client, "en", key, text)
    assert answer.status_code == 400
    page = unescape(answer.text)
    assert message in page
    if text.strip():
        assert text.replace("\x00", "")[:50] in page
    assert count(app, wb_comments) == 0


def test_a_refused_comment_speaks_the_users_language(app):
    """The reason is in the workbench's language (here Turkish)."""
    make_user(app, "tina", locales=("tr",))
    client = app.test_client()
    login(client, "tina")
    client.get("/translate/?lang=tr")
    key = entry_key(client, "tr", "Hinweis")
    answer = comment(client, "tr", key, "")
    assert answer.status_code == 400
    assert "Bitte schreiben Sie einen Kommentar." not in unescape(answer.text)
    assert 'aria-invalid="true"' in answer.text


def test_marks_csrf_and_other_locales_are_refused(app):
    """A run of combining marks (the inputs' bound), a missing token and a locale not one's own store nothing."""
    make_user(app, "tina", locales=("en",))
    make_user(app, "tomasz", locales=("pl",))
    client, other = app.test_client(), app.test_client()
    login(client, "tina")
    login(other, "tomasz")
    key = entry_key(client, "en", "Hinweis")
    marks = comment(client, "en", key, "a" + "\u0301" * 40)
    assert marks.status_code == 400 and "Kombinationszeichen" in unescape(marks.text)
    assert comment(client, "en", key, QUESTION, csrf="forged").status_code == 400
    page = other.get("/translate/pl/").text
    assert other.post(f"/translate/en/entry/{key}/comments", data={"csrf_token": token(page),
                                                                  "comment": QUESTION}).status_code == 403
    assert other.get("/translate/en/comments").status_code == 403
    assert count(app, wb_comments) == 0
    # Nobody signed in: the login page, never a comment.
    assert app.test_client().get("/translate/en/comments").status_code == 302
