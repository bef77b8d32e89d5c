"""Findings 6 and 13: one validation for every path that writes a catalog; duplicate ids, headers and BOMs."""
from __future__ import annotations

import codecs
import io

import pytest
from babel.messages.catalog import Message

from service import catalogs
from service.db.schema import wb_audit

from ..workbench_support import count, entry_key, login, make_user, save, token, unescape


@pytest.fixture
def anna(app, client):
    """A signed-in translator of English."""
    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    return client


def _upload(client, data: bytes):
    """Post a .po to the English upload form."""
    page = client.get("/translate/en/upload")
    return client.post("/translate/en/upload", data={"csrf_token": token(page.text),
                                                      "po": (io.BytesIO(data), "en.po")})


def _po(translations_dir) -> str:
    """The English catalog as text."""
    return catalogs.po_path(translations_dir, "en").read_text(encoding="utf-8")


@pytest.mark.parametrize("bad, finding", [
    ("No\x00tice", "Die Übersetzung enthält unzulässige Steuerzeichen."),
    ("No\x1b[31mtice", "Die Übersetzung enthält unzulässige Steuerzeichen."),
    ("No\x07tice", "Die Übersetzung enthält unzulässige Steuerzeichen."),
    ("N" * 15_000, "Die Übersetzung ist zu lang (höchstens 10000 Zeichen)."),
    ("Notice \u202eecion\u202c", "Die Übersetzung enthält unsichtbare Zeichen, die die Schreibrichtung umkehren"),
    ("\u2067Notice\u2069", "Die Übersetzung enthält unsichtbare Zeichen, die die Schreibrichtung umkehren"),
])
def test_editor_and_upload_refuse_the_same_text(app, anna, translations_dir, bad, finding):
    """NUL, ESC, BEL, a 15,000-character message and bidi overrides: refused by the editor and by an upload alike.

    (Past INPUT_MAX_CHARS, the editor's form is refused as too large before any check: test_input_bounds.py.)"""
    before = _po(translations_dir)
    key = entry_key(anna, "en", "Hinweis")
    edited = save(anna, "en", key, bad)
    assert edited.status_code == 400 and finding in unescape(edited.text)
    uploaded = _upload(anna, before.replace('msgstr "Notice"', f'msgstr "{bad}"').encode())  # raw bytes
    assert uploaded.status_code == 400
    page = unescape(uploaded.text)
    assert "Die Datei wurde abgelehnt. Es wurde nichts geändert." in page and f"Hinweis: {finding}" in page
    assert _po(translations_dir) == before and count(app, wb_audit) == 0


def test_a_duplicate_msgid_is_refused_with_its_name(app, anna, translations_dir):
    """Babel would keep one of two entries silently; the upload names the entry instead."""
    text = _po(translations_dir) + '\nmsgid "Hinweis"\nmsgstr "Second notice"\n'
    response = _upload(anna, text.encode())
    assert response.status_code == 400
    page = unescape(response.text)
    assert "Die Datei enthält Einträge mehrfach. Bitte lassen Sie von jedem Eintrag nur einen stehen." in page
    assert "<li>Hinweis</li>" in page
    assert count(app, wb_audit) == 0


def test_the_language_header_is_required_and_a_bom_is_accepted(app, anna, translations_dir):
    """No Language: refused, saying which is expected; a UTF-8 byte order mark is no reason to refuse."""
    text = _po(translations_dir)
    missing = text.replace('"Language: en\\n"\n', "")
    assert missing != text
    response = _upload(anna, missing.encode())
    assert response.status_code == 400
    assert "Die Datei gibt ihre Sprache nicht an (Kopfzeile „Language“). Erwartet: en" in unescape(response.text)
    with_bom = codecs.BOM_UTF8 + text.replace('msgstr "Notice"', 'msgstr "Notice (from Windows)"').encode()
    accepted = _upload(anna, with_bom)
    assert accepted.status_code == 303
    assert 'msgstr "Notice (from Windows)"' in _po(translations_dir)
    assert not _po(translations_dir).startswith("\ufeff")


def test_a_source_with_direction_marks_allows_them(app):
    """The bidi check refuses only what the source does not have itself."""
    assert catalogs.check_message(Message("a \u2067b\u2069", "a \u2067b\u2069"), None) == []
    assert [f.check for f in catalogs.check_message(Message("a b", "a \u2067b\u2069"), None)] == ["bidi"]
