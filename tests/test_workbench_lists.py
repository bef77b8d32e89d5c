"""The list of entries: a badge per failing check, a filter per check, and a search over source, translation,
comments and context."""
from __future__ import annotations

import re

from service import catalogs

from .workbench_support import login, make_user, unescape

BROKEN = "Die Platzhalter müssen dieselben sein wie im Original: %(expected)s"


def _set(translations_dir, locale: str, msgid: str, text: str) -> None:
    """Write a translation straight into a catalog, as a copy from git or an editor outside the workbench would."""
    path = catalogs.po_path(translations_dir, locale)
    catalog = catalogs.load_po(path, locale)
    catalog[msgid].string = text
    catalogs.save_po(path, catalog)


def _rows(page: str) -> list[str]:
    """The rows of the list's table."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S) if body else []


def test_a_failing_entry_shows_its_check_and_the_filter_lists_only_those(app, client, translations_dir):
    """A translation that lost a placeholder carries the badge "Platzhalter"; check=placeholders lists it alone."""
    _set(translations_dir, "en", BROKEN, "The placeholders must be the same as in the original: %(expectd)s")
    (translations_dir / "en" / "glossary.txt").write_text("Kanal = Waterway\n", encoding="utf-8")
    make_user(app, "anna")
    login(client, "anna")
    page = unescape(client.get("/translate/en/").text)
    options = re.search(r'<select id="f-check" name="check">(.*?)</select>', page, re.S).group(1)
    for check in ("placeholders", "links", "markup", "glossary", "german-runs"):
        assert f'<option value="{check}"' in options
    assert ">Platzhalter</option>" in options and ">Glossarbegriff fehlt</option>" in options
    listed = unescape(client.get("/translate/en/", query_string={"check": "placeholders"}).text)
    rows = _rows(listed)
    assert len(rows) == 1 and "Die Platzhalter müssen dieselben sein" in rows[0]
    assert 'data-check="placeholders"' in rows[0] and ">Platzhalter</span>" in rows[0]
    assert "1 Eintrag gefunden." in listed
    glossary = unescape(client.get("/translate/en/", query_string={"check": "glossary", "q": "Lernen am"}).text)
    assert "Lernen am Kanal</a>" in glossary and 'data-check="glossary"' in glossary
    everything = unescape(client.get("/translate/en/", query_string={"q": "Platzhalter müssen"}).text)
    assert 'data-check="placeholders"' in everything  # the badge shows in the unfiltered list too


def test_the_check_filter_in_the_ui_language_and_an_unknown_check_is_no_filter(app, client, translations_dir):
    """The names are translated (English UI); ?check=nonsense lists everything, as no filter does."""
    _set(translations_dir, "en", BROKEN, "The placeholders must be the same: %(expectd)s")
    make_user(app, "anna")
    login(client, "anna")
    english = unescape(client.get("/translate/en/", query_string={"check": "placeholders", "lang": "en"}).text)
    assert ">Placeholders</span>" in english
    total = len(_rows(client.get("/translate/en/", query_string={"lang": "de"}).text))
    assert len(_rows(client.get("/translate/en/", query_string={"check": "nonsense"}).text)) == total


def test_the_editor_steps_through_the_check_filtered_list(app, client, translations_dir):
    """Prev/next from an editor opened from a check-filtered list stay inside it (here: one entry, no next)."""
    _set(translations_dir, "en", BROKEN, "The placeholders must be the same: %(expectd)s")
    make_user(app, "anna")
    login(client, "anna")
    listed = client.get("/translate/en/", query_string={"check": "placeholders"}).text
    key = re.search(r"/translate/en/entry/([0-9a-f]{16})", listed).group(1)
    page = client.get(f"/translate/en/entry/{key}", query_string={"back": "/translate/en/?check=placeholders"}).text
    assert 'id="wb-next"' not in page and 'id="wb-prev"' not in page


def test_search_covers_comments_translator_notes_and_context(app, client, translations_dir):
    """A word only in an entry's extracted comment, translator comment or msgctxt finds it."""
    path = catalogs.po_path(translations_dir, "en")
    catalog = catalogs.load_po(path, "en")
    catalog["Lernen am Kanal"].user_comments.append("Slogan der Kampagne Quokkafeld")
    catalogs.save_po(path, catalog)
    make_user(app, "anna")
    login(client, "anna")

    def found(query: str) -> str:
        """The list's rows for a search."""
        return "".join(_rows(unescape(client.get("/translate/en/", query_string={"q": query}).text)))

    assert "Lernen am Kanal</a>" in found("quokkafeld")  # translator comment
    assert "Vorlesen</a>" in found("player button")  # msgctxt
    assert "notice-winterpause" not in found("Unübersetzt")
    comment = catalog.get("Unübersetzt")
    assert comment is not None
    extracted = next(m for m in catalog if m.auto_comments and "navigation label of page" in m.auto_comments[0])
    assert extracted.id in found("navigation label of page 'barrierefreiheit'")  # extracted comment
