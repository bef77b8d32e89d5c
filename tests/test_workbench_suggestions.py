"""Readers' "suggest a better translation": public form without cookies, bounds, rate limit, the locale's queue."""
from __future__ import annotations

import re

from service import catalogs, suggestions
from service.db.schema import wb_suggestions
from service.web import suggest

from .workbench_support import count, login, make_user, rows, token, unescape


def test_page_marks_blocks_and_links_the_form_without_cookies(client, translations_dir):
    """Each block of a translated page links to its suggestion form; machine blocks carry a visible mark."""
    po = catalogs.po_path(translations_dir, "en")
    catalog = catalogs.load_po(po, "en")
    entry = catalog.get("Lernen am Kanal")
    entry.flags.add("fuzzy")
    entry.auto_comments.append(f"{catalogs.MACHINE_COMMENT_PREFIX} by argos")
    catalogs.save_po(po, catalog)
    catalogs.compile_po(po)
    page = client.get("/en/")
    assert "Set-Cookie" not in page.headers
    assert 'href="/en/suggest/index/b1"' in page.text
    assert 'class="block-mark mark-machine"' in page.text
    assert "/de/suggest/" not in client.get("/de/").text  # nothing to suggest on the German source
    form = client.get("/en/suggest/index/b1")
    assert form.status_code == 200 and "Set-Cookie" not in form.headers
    assert "Lernen am Kanal" in form.text and 'name="csrf_token"' not in form.text


def test_suggestion_stored_and_shown_in_the_queue_of_its_locale(app, client):
    """A reader's suggestion lands in the English queue and nowhere else; a translator closes it."""
    response = client.post("/en/suggest/index/b1", data={"suggestion": "Learning at the canal", "msgid": "tampered"})
    assert response.status_code == 303 and "Set-Cookie" not in response.headers
    assert "Thank you" in client.get(response.headers["Location"]).text  # in the reader's language
    (row,) = rows(app, wb_suggestions)
    assert (row.locale, row.msgid, row.text, row.state) == ("en", "Lernen am Kanal", "Learning at the canal",
                                                                         "open")
    make_user(app, "anna", locales=("en",))
    translator = app.test_client()
    login(translator, "anna")
    home = translator.get("/translate/").text
    assert 'href="/translate/en/suggestions">1<' in home
    queue = translator.get("/translate/en/suggestions")
    assert "Learning at the canal" in queue.text
    assert "Learning at the canal" not in translator.get("/translate/tr/suggestions").text
    key = re.search(r"/translate/en/entry/([0-9a-f]{16})", queue.text).group(1)
    editor = translator.get(f"/translate/en/entry/{key}")
    assert "Learning at the canal" in editor.text
    closed = translator.post(f"/translate/en/suggestions/{row.id}",
                             data={"csrf_token": token(editor.text), "state": "done"})
    assert closed.status_code == 303
    assert "Learning at the canal" not in translator.get("/translate/en/suggestions").text
    assert translator.post(f"/translate/en/suggestions/{row.id}",
                           data={"csrf_token": token(editor.text), "state": "done"}).status_code == 404


def test_bad_suggestions_are_refused(app, client):
    """Empty, too long, control characters, unknown block, German locale: clear 4xx, nothing stored."""
    assert client.post("/en/suggest/index/b1", data={"suggestion": " "}).status_code == 400
    long = client.post("/en/suggest/index/b1", data={"suggestion": "x" * (suggestions.MAX_LENGTH + 1)})
    assert long.status_code == 400 and "too long" in unescape(long.text)  # in the reader's language
    assert "x" * 50 in long.text  # the text is kept for the reader to shorten
    assert client.post("/en/suggest/index/b1", data={"suggestion": "bad\x00text"}).status_code == 400
    assert client.post("/en/suggest/index/b999", data={"suggestion": "Fine text"}).status_code == 404
    assert client.post("/en/suggest/nope/b1", data={"suggestion": "Fine text"}).status_code == 404
    assert client.post("/de/suggest/index/b1", data={"suggestion": "Fine text"}).status_code == 404
    assert client.post("/xx/suggest/index/b1", data={"suggestion": "Fine text"}).status_code == 404
    honeypot = client.post("/en/suggest/index/b1", data={"suggestion": "Spam", "website": "http://spam"})
    assert honeypot.status_code == 303
    assert count(app, wb_suggestions) == 0


def test_suggestions_are_rate_limited(app, client):
    """The eleventh suggestion from one address within ten minutes gets 429."""
    for i in range(suggest.RATE_LIMIT):
        assert client.post("/en/suggest/index/b1", data={"suggestion": f"Idea {i}"}).status_code == 303
    refused = client.post("/en/suggest/index/b1", data={"suggestion": "One more idea"})
    assert refused.status_code == 429 and "One more idea" in refused.text
    assert count(app, wb_suggestions) == suggest.RATE_LIMIT
