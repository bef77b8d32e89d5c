"""Aids beside an entry: memory, glossary, other locales, neighbours, previous and next, save-and-next, sources."""
from __future__ import annotations

import re

from babel.messages.catalog import Message

from service.workbench import aids
from service.workbench.entries import entry_key as key_of

from .workbench_support import PENDING_RE, entry_key, login, make_user, open_editor, unescape


def test_memory_finds_similar_reviewed_sources_best_first():
    """rapidfuzz ranks reviewed entries by similarity; unreviewed ones and the entry itself are left out."""
    table = {
        "Die Schule beginnt um 8 Uhr.": Message("Die Schule beginnt um 8 Uhr.", "School starts at 8."),
        "Die Schule beginnt um 9 Uhr.": Message("Die Schule beginnt um 9 Uhr.", "School starts at 9."),
        "Die Schule endet um 9 Uhr.": Message("Die Schule endet um 9 Uhr.", "School ends at 9.", flags=["fuzzy"]),
        "Bildung": Message("Bildung", "Education"),
    }
    found = aids.memory(table, "Die Schule beginnt um 9 Uhr.")
    assert [(m.source, m.text) for m in found] == [("Die Schule beginnt um 8 Uhr.", "School starts at 8.")]
    assert 90 <= found[0].score < 100


def test_editor_shows_memory_glossary_other_locales_and_neighbours(app, client, translations_dir):
    """The editor of "Unübersetzt" offers the reviewed "unübersetzt"; a glossary term is shown with its translation."""
    (translations_dir / "en" / "glossary.txt").write_text("Kanal = canal\n", encoding="utf-8")
    make_user(app, "anna")
    login(client, "anna")
    page = unescape(client.get(f"/translate/en/entry/{key_of(Message('Unübersetzt'))}").text)
    memory = page.split('<ul class="wb-memory">')[1].split("</ul>")[0]
    assert "100 %" in memory and '<span lang="de">unübersetzt</span>' in memory
    assert 'data-text="untranslated"' in memory
    talents = unescape(client.get(f"/translate/en/entry/{entry_key(client, 'en', 'Lernen am Kanal')}").text)
    assert '<span lang="de">Kanal</span> → <span lang="en" dir="ltr">canal</span>' in talents
    assert "fehlt in der Übersetzung" not in talents  # "Learning by the canal" has it
    assert '<dt lang="tr">Türkçe</dt>' in talents  # the Turkish translation of the same entry
    assert '<ol class="wb-neighbours">' in talents


def test_previous_next_and_save_and_next_follow_the_list(app, client, translations_dir):
    """Prev/next follow the filtered list the editor came from; go_next (Ctrl+Enter) saves and opens the next."""
    make_user(app, "anna")
    login(client, "anna")
    listing = client.get("/translate/en/", query_string={"q": "Werkstatt"}).text
    keys = re.findall(r"/translate/en/entry/([0-9a-f]{16})", listing)
    assert len(keys) >= 2
    back = "/translate/en/?status=all&q=Werkstatt"
    page = client.get(f"/translate/en/entry/{keys[0]}", query_string={"back": back}).text
    next_url = re.search(r'id="wb-next" href="([^"]+)"', page).group(1)
    assert f"/translate/en/entry/{keys[1]}" in unescape(next_url)
    assert 'id="wb-prev"' not in page
    _, csrf, revision = open_editor(client, "en", keys[0])
    response = client.post(f"/translate/en/entry/{keys[0]}", data={
        "csrf_token": csrf, "revision": revision, "pending": PENDING_RE.search(page).group(1),
        "msgstr": "Learning at the old canal", "action": "save", "go_next": "1", "next": unescape(next_url)})
    assert response.status_code == 303 and f"/translate/en/entry/{keys[1]}" in response.headers["Location"]


def test_a_text_without_a_glossary_term_is_saved_with_a_warning(app, client, translations_dir):
    """The glossary check warns after the save; it does not block it."""
    (translations_dir / "en" / "glossary.txt").write_text("Kanal = canal\n", encoding="utf-8")
    make_user(app, "anna")
    login(client, "anna")
    key = key_of(Message("Lernen am Kanal"))
    page, csrf, revision = open_editor(client, "en", key)
    response = client.post(f"/translate/en/entry/{key}", data={
        "csrf_token": csrf, "revision": revision, "pending": PENDING_RE.search(page).group(1),
        "msgstr": "Learning by the river", "action": "save"})
    assert response.status_code == 303
    after = unescape(client.get(response.headers["Location"]).text)
    assert "Hinweis: Die Übersetzung verwendet nicht den festgelegten Begriff (Glossar): canal" in after
    assert ">Learning by the river</textarea>" in after


def test_the_list_filters_by_page_and_keeps_interface_texts_apart(app, client):
    """source=ui lists only interface texts; source=<page> only that page's entries; the editor steps inside it."""
    make_user(app, "anna")
    login(client, "anna")
    page = client.get("/translate/en/").text
    assert '<option value="ui"' in page and '<option value="barrierefreiheit" lang="de">' in page
    assert "Lernen am Kanal</a>" not in unescape(
        client.get("/translate/en/", query_string={"source": "ui", "q": "Kanal"}).text)
    accessible = unescape(client.get("/translate/en/", query_string={"source": "barrierefreiheit"}).text)
    assert "Erklärung zur Barrierefreiheit" in accessible and "Unübersetzt</a>" not in accessible
    ui = unescape(client.get("/translate/en/", query_string={"source": "ui", "q": "Unübersetzt"}).text)
    assert "Unübersetzt</a>" in ui
    assert "Erklärung zur Barrierefreiheit</a>" not in unescape(
        client.get("/translate/en/", query_string={"source": "ui", "q": "Barrierefreiheit"}).text)
