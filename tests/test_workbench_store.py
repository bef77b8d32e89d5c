"""Editing catalogs through the workbench: approve, validation, conflicts, live recompilation, audit, upload."""
from __future__ import annotations

import re

import pytest

from service import catalogs, create_app, db
from service.db.schema import wb_audit
from service.workbench import audit

from .clock_support import MovableClock, utc
from .workbench_support import count, entry_key, login, make_user, open_editor, save, token, unescape
from .workbench_support import rows as table_rows


@pytest.fixture
def anna(app, client):
    """A client signed in as a translator of English."""
    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    return client


def po_of(translations_dir, locale: str = "en"):
    """The .po path of a locale in the test's catalogs."""
    return translations_dir / locale / "LC_MESSAGES" / "messages.po"


def message(translations_dir, msgid: str, locale: str = "en"):
    """One message as it is on disk now."""
    return catalogs.load_po(po_of(translations_dir, locale), locale).get(msgid)


def test_edit_and_approve(anna, translations_dir):
    """Save keeps an unreviewed entry fuzzy; approve clears fuzzy and the status becomes human."""
    po = po_of(translations_dir)
    catalog = catalogs.load_po(po, "en")
    catalog.get("Hinweis").flags.add("fuzzy")
    catalogs.save_po(po, catalog)
    key = entry_key(anna, "en", "Hinweis")
    response = save(anna, "en", key, "Please note")
    assert response.status_code == 303
    assert message(translations_dir, "Hinweis").string == "Please note"
    assert message(translations_dir, "Hinweis").fuzzy
    assert "ungeprüft oder veraltet" in anna.get(f"/translate/en/entry/{key}").text
    assert save(anna, "en", key, "Please note", action="approve").status_code == 303
    entry = message(translations_dir, "Hinweis")
    assert entry.string == "Please note" and not entry.fuzzy
    page = anna.get(f"/translate/en/entry/{key}")
    assert "Gespeichert und freigegeben." in page.text
    # The notice is on no page of its own: the editor names the source line instead of a page link.
    assert "<dt>Verwendet in</dt>" in page.text and "<code>content/_notice-jahreswechsel-2026.md</code>" in page.text
    assert "<dt>Erscheint auf</dt>" not in page.text


def test_editor_links_the_pages_where_a_message_appears(anna):
    """A content message links to its block on the translated page and to the German original."""
    page = anna.get(f"/translate/en/entry/{entry_key(anna, 'en', 'Stadt der Talente')}").text
    assert ('<dd><ul><li><a href="/en/#b1">Stadt der Talente</a> (<a href="/de/" hreflang="de">Original</a>)'
            '</li></ul></dd>') in page


def test_invalid_translation_is_shown_inline_and_not_saved(anna, translations_dir):
    """A missing placeholder is reported next to the field; the file stays as it was."""
    po = po_of(translations_dir)
    before = po.read_bytes()
    key = entry_key(anna, "en", "Die städtischen Dienststellen")
    response = save(anna, "en", key, "Offices are closed.", action="approve")
    assert response.status_code == 400
    text = unescape(response.text)
    assert "Die Platzhalter müssen dieselben sein wie im Original: %(end)s, %(start)s" in text
    assert 'aria-invalid="true"' in response.text and 'href="#msgstr"' in response.text
    assert "Offices are closed." in text  # what the translator typed is kept
    assert save(anna, "en", key, "   ").status_code == 400
    assert save(anna, "en", key, "Closed <b>from %(start)s to %(end)s").status_code == 400
    assert save(anna, "en", key, "Closed from %(start)s\x07 to %(end)s").status_code == 400
    assert po.read_bytes() == before


def test_findings_are_shown_in_the_translators_language(anna, translations_dir):
    """With an English workbench, a placeholder finding reads exactly as the English catalog words it."""
    po = po_of(translations_dir)
    before = po.read_bytes()
    anna.get("/translate/?lang=en")
    key = entry_key(anna, "en", "Die städtischen Dienststellen")
    response = save(anna, "en", key, "Offices are closed.", action="approve")
    assert response.status_code == 400
    errors = re.search(r'<div class="form-errors" role="alert" id="form-errors">(.*?)</div>', response.text, re.S)
    assert re.findall(r'<li><a href="#msgstr">(.*?)</a></li>', unescape(errors.group(1))) == [
        "The placeholders must be the same as in the original: %(end)s, %(start)s"]
    assert "Not saved. Please correct the following:" in errors.group(1)
    assert po.read_bytes() == before


@pytest.mark.parametrize("typed, expected", [
    ("Yayın tarihi: %(date)s %",
     ["Biçim belirteçleri asıl metindekilerle aynı olmalıdır (%(date)s). Hatalı veya fazla olanlar: %"]),
    ("Yayın tarihi: %(date)i",
     ["Yer tutucular asıl metindekilerle aynı olmalıdır: %(date)s",
      "Biçim belirteçleri asıl metindekilerle aynı olmalıdır (%(date)s). Hatalı veya fazla olanlar: %(date)i"]),
])
def test_editor_refuses_malformed_python_format(app, client, translations_dir, typed, expected):
    """A lone % or %(date)i where the source has %(date)s is refused, in Turkish for a Turkish workbench."""
    make_user(app, "ayse", locales=("tr",))
    login(client, "ayse")
    client.get("/translate/?lang=tr")
    po = po_of(translations_dir, "tr")
    before = po.read_bytes()
    response = save(client, "tr", entry_key(client, "tr", "Veröffentlicht am"), typed, action="approve")
    assert response.status_code == 400
    assert re.findall(r'<li><a href="#msgstr">(.*?)</a></li>', unescape(response.text)) == expected
    assert po.read_bytes() == before


def test_conflict_between_two_translators(app, anna, translations_dir):
    """The second save of the same revision gets a 409 with both texts; nothing is overwritten or lost."""
    make_user(app, "bert", locales=("en",))
    bert = app.test_client()
    login(bert, "bert")
    key = entry_key(anna, "en", "Hinweis")
    _, anna_token, revision = open_editor(anna, "en", key)
    _, bert_token, bert_revision = open_editor(bert, "en", key)
    assert revision == bert_revision
    first = anna.post(f"/translate/en/entry/{key}", data={"csrf_token": anna_token, "revision": revision,
                                                          "msgstr": "Announcement", "action": "approve"})
    assert first.status_code == 303
    second = bert.post(f"/translate/en/entry/{key}", data={"csrf_token": bert_token, "revision": bert_revision,
                                                           "msgstr": "Heads-up", "action": "approve"})
    assert second.status_code == 409
    assert 'data-version="theirs">Announcement<' in second.text
    assert 'data-version="mine">Heads-up<' in second.text
    assert ">Heads-up</textarea>" in second.text  # Bert's text is in the field, ready to save again
    assert message(translations_dir, "Hinweis").string == "Announcement"
    new_revision = re.search(r'name="revision" value="([0-9a-f]{16})"', second.text).group(1)
    third = bert.post(f"/translate/en/entry/{key}", data={"csrf_token": bert_token, "revision": new_revision,
                                                          "msgstr": "Heads-up", "action": "approve"})
    assert third.status_code == 303
    assert message(translations_dir, "Hinweis").string == "Heads-up"
    with db.connect(app) as conn:
        rows = audit.history(conn, "en", "Hinweis")
    assert [(r.username, r.old, r.new) for r in rows] == [
        ("bert", "Announcement", "Heads-up"), ("anna", "Notice", "Announcement")]


def test_saved_translation_is_served_at_once(app, anna, translations_dir):
    """After a save the .mo is recompiled and the next page request shows the new text (no restart)."""
    reader = app.test_client()
    first = reader.get("/en/")
    assert "City of Talents" in first.text
    key = entry_key(anna, "en", "Stadt der Talente")
    mo = po_of(translations_dir).with_suffix(".mo")
    mo_before = mo.read_bytes()
    assert save(anna, "en", key, "Town of Talents", action="approve").status_code == 303
    assert mo.read_bytes() != mo_before
    second = reader.get("/en/")
    assert "Town of Talents" in second.text and "City of Talents" not in second.text
    assert reader.get("/en/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    # A second app on the same files (another worker) sees it too.
    from service import create_app

    other = create_app({**app.config}).test_client()
    assert "Town of Talents" in other.get("/en/").text


def test_audit_log_records_every_change(app, anna):
    """Who, when, locale, msgid, old and new are stored in SQLite and shown in the history."""
    key = entry_key(anna, "en", "Hinweis")
    save(anna, "en", key, "Note", action="approve")
    (row,) = table_rows(app, wb_audit)
    assert (row.username, row.locale, row.msgid, row.old, row.new, row.action) == \
        ("anna", "en", "Hinweis", "Notice", "Note", "approve")
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row.at)
    history = anna.get("/translate/en/history")
    assert history.status_code == 200 and "Note" in history.text and "anna" in history.text


def test_filters_and_search(anna, translations_dir):
    """Status filters and text search narrow the list."""
    po = po_of(translations_dir)
    catalog = catalogs.load_po(po, "en")
    catalog.get("Hinweis").flags.add("fuzzy")
    machine = catalog.get("Stadt der Talente")
    machine.flags.add("fuzzy")
    machine.auto_comments.append(f"{catalogs.MACHINE_COMMENT_PREFIX} by argos")
    catalog.get("Bildung").string = ""
    catalogs.save_po(po, catalog)
    outdated = anna.get("/translate/en/?status=outdated").text
    assert ">Hinweis<" in outdated and "Stadt der Talente" not in outdated
    machine_list = anna.get("/translate/en/?status=machine").text
    assert "Stadt der Talente" in machine_list and ">Hinweis<" not in machine_list
    missing = anna.get("/translate/en/?status=missing").text
    assert ">Bildung<" in missing and ">Hinweis<" not in missing
    found = anna.get("/translate/en/", query_string={"q": "talents"}).text  # the translation is searched too
    assert "Stadt der Talente" in found
    editor = anna.get(f"/translate/en/entry/{entry_key(anna, 'en', 'Stadt der Talente')}").text
    assert "Maschineller Vorschlag" in editor and "by argos" in editor
    assert anna.get("/translate/en/?status=bogus&page=x").status_code == 200


def test_download(anna, translations_dir):
    """The .po comes as an attachment, byte for byte but for the header line that marks when it was taken."""
    response = anna.get("/translate/en/download")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    marked = response.data.decode("utf-8")
    assert '"X-Workbench-Mark: 0\\n"\n' in marked
    assert marked.replace('"X-Workbench-Mark: 0\\n"\n', "", 1).encode() == po_of(translations_dir).read_bytes()
    catalogs.parse_po(response.data, "en")  # still a valid catalog


# -- upload ---------------------------------------------------------------------
def _upload(client, data: bytes, name: str = "messages.po"):
    """Post a file to the upload form."""
    import io

    page = client.get("/translate/en/upload")
    return client.post("/translate/en/upload", data={"csrf_token": token(page.text), "po": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_upload_accepted_and_merged(app, app_config, anna, translations_dir):
    """A valid .po merges: changed entries updated and audited, unknown ones skipped, .mo rebuilt."""
    po = po_of(translations_dir)
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgid "Hinweis"\nmsgstr "Notice"', 'msgid "Hinweis"\nmsgstr "Important"')
    text += '\nmsgid "Gibt es nicht"\nmsgstr "Does not exist"\n'
    response = _upload(anna, text.encode("utf-8"))
    assert response.status_code == 303, unescape(response.text)
    page = anna.get(response.headers["Location"]).text
    assert "Datei übernommen. 1 Eintrag geändert. 1 unbekannter Eintrag übersprungen." in unescape(page)
    assert message(translations_dir, "Hinweis").string == "Important"
    assert message(translations_dir, "Gibt es nicht") is None
    # The notice is live at year's end: a reader then sees the uploaded text.
    at_year_end = create_app({**app_config, "CLOCK": MovableClock(utc(2026, 12, 27, 9))})
    assert "Important" in at_year_end.test_client().get("/en/").text
    assert [(r.action, r.old, r.new) for r in table_rows(app, wb_audit)] == [("upload", "Notice", "Important")]


def test_upload_keeps_changes_made_after_the_download(app, anna, translations_dir):
    """An upload of an older download does not overwrite an entry a colleague saved meanwhile; the rest merges."""
    downloaded = anna.get("/translate/en/download").data.decode("utf-8")
    make_user(app, "bert", locales=("en",))
    bert = app.test_client()
    login(bert, "bert")
    assert save(bert, "en", entry_key(bert, "en", "Hinweis"), "Announcement", action="approve").status_code == 303
    edited = downloaded.replace('msgid "Hinweis"\nmsgstr "Notice"', 'msgid "Hinweis"\nmsgstr "Important"')
    edited = edited.replace('msgid "Beispiele"\nmsgstr "Examples"', 'msgid "Beispiele"\nmsgstr "Case studies"')
    response = _upload(anna, edited.encode("utf-8"))
    assert response.status_code == 303, unescape(response.text)
    page = unescape(anna.get(response.headers["Location"]).text)
    assert "Nicht übernommen, weil sie nach Ihrem Download hier geändert wurden: „Hinweis“" in page
    assert message(translations_dir, "Hinweis").string == "Announcement"  # Bert's work stays
    assert message(translations_dir, "Beispiele").string == "Case studies"
    # Without the mark (a file from elsewhere) the upload merges as before.
    plain = edited.replace(re.search(r'"X-Workbench-Mark: \d+\\n"\n', edited).group(0), "")
    assert _upload(anna, plain.encode("utf-8")).status_code == 303
    assert message(translations_dir, "Hinweis").string == "Important"


def _bad_uploads(po_text: str) -> dict[str, tuple[bytes, int, str]]:
    """Each kind of bad upload, with the status and a piece of the message it must get."""
    arabic_plurals = ("nplurals=6; plural=(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2 : n % 100 >= 3 && n % 100 <= 10 ? 3"
                      " : n % 100 >= 11 && n % 100 <= 99 ? 4 : 5);")
    return {
        "syntax": ((po_text + '\nmsgid "x"\nmsgstr "unterminated\n').encode(), 400, "keine gültige .po-Datei"),
        "garbage": (b"\x00\x01PK\x03\x04 binary garbage", 400, "keine gültige .po-Datei"),
        "latin-1": (po_text.replace('msgstr "Notice"', 'msgstr "Notiz für Sie"').encode("latin-1", "replace"), 400,
                    "nicht in UTF-8"),
        "charset": (po_text.replace("charset=utf-8", "charset=ISO-8859-1").encode(), 400, "Kodierung"),
        "plural-count": (po_text.replace("nplurals=2; plural=(n != 1);", arabic_plurals).encode(), 400,
                         "Pluralformen"),
        "plural-garbage": (po_text.replace("nplurals=2; plural=(n != 1);", "nplurals=many; plural=n;").encode(),
                           400, "keine gültige .po-Datei"),
        "placeholder": (po_text.replace('msgstr "City of Talents"', 'msgstr "City of %(x)s"').encode(), 400,
                        "Stadt der Talente: Die Platzhalter müssen dieselben sein wie im Original: –"),
        "python-format": (po_text.replace('msgstr "Published on %(date)s"', 'msgstr "Published on %(date)s %"')
                          .encode(), 400, "Veröffentlicht am %(date)s: Die Formatangaben müssen dieselben sein wie "
                          "im Original (%(date)s). Falsch oder überzählig: %"),
        "language": (po_text.replace("Language: en", "Language: tr").encode(), 400, "Sprache tr"),
        "empty": (b"\n\n", 400, "leer"),
        "foreign": (b'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\nLanguage: en\\n"\n\n'
                    b'msgid "Gibt es nicht"\n'
                    b'msgstr "Nope"\n', 400, "keinen Eintrag dieses Katalogs"),
        "huge": (po_text.encode() + b"#" * (1024 * 1024), 413, "zu groß"),
    }


def test_upload_rejected_whole(app, anna, translations_dir):
    """Every kind of malformed upload gets a clear 4xx message and leaves .po and .mo as they were."""
    po = po_of(translations_dir)
    mo = po.with_suffix(".mo")
    before, mo_before = po.read_bytes(), mo.read_bytes()
    for kind, (data, status, needle) in _bad_uploads(po.read_text(encoding="utf-8")).items():
        response = _upload(anna, data)
        assert response.status_code == status, (kind, response.status_code)
        text = unescape(response.text)
        assert "Die Datei wurde abgelehnt. Es wurde nichts geändert." in text, kind
        assert needle in text, (kind, re.findall(r'<div class="form-errors".*?</div>', text, re.S))
        assert po.read_bytes() == before and mo.read_bytes() == mo_before, kind
    assert count(app, wb_audit) == 0
    assert _upload(anna, b"", name="").status_code == 400


def test_editor_offers_the_audio_of_the_published_block(app, anna):
    """With read-aloud available (real espeak-ng), the editor plays the block as it is published."""
    key = entry_key(anna, "en", "Stadt der Talente")
    page = anna.get(f"/translate/en/entry/{key}").text
    url = re.search(r'<audio controls preload="none" src="([^"]+)"', page).group(1)
    assert url.startswith("/audio/en/index/b1-") and url.endswith(".mp3")
    audio = anna.get(url)
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg" and len(audio.data) > 1000
