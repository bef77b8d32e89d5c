"""Editing catalogs through the workbench: approve, validation, conflicts, live recompilation, audit, upload."""
from __future__ import annotations

import re

import pytest

from service import catalogs, create_app, db
from service.db.schema import wb_audit
from service.workbench import audit

from .clock_support import MovableClock, utc
from .workbench_support import confirm, count, entry_key, login, make_user, open_editor, save, unescape, upload
from .workbench_support import rows as table_rows


@pytest.fixture
def anna(app, client):
    """A client signed in as the one translator of English, who may approve their own text."""
    make_user(app, "anna", locales=("en",))
    app.config["WORKBENCH_SELF_APPROVAL"] = ["en"]
    login(client, "anna")
    return client


def po_of(translations_dir, locale: str = "en"):
    """The .po path of a locale in the test's catalogs."""
    return translations_dir / locale / "LC_MESSAGES" / "messages.po"


def message(translations_dir, msgid: str, locale: str = "en"):
    """One message as it is on disk now."""
    return catalogs.load_po(po_of(translations_dir, locale), locale).get(msgid)


def test_editor_links_the_pages_where_a_message_appears(anna):
    """A content message links to its block on the translated page and to the German original."""
    page = anna.get(f"/translate/en/entry/{entry_key(anna, 'en', 'Lernen am Kanal')}").text
    assert ('<dd><ul><li><a href="/en/#b1">Lernen am Kanal</a> (<a href="/de/" hreflang="de">Original</a>)'
            '</li></ul></dd>') in page


def test_invalid_translation_is_shown_inline_and_not_saved(anna, translations_dir):
    """A missing placeholder is reported next to the field; the file stays as it was."""
    po = po_of(translations_dir)
    before = po.read_bytes()
    key = entry_key(anna, "en", "Das Bürgerbüro ist vom")
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
    key = entry_key(anna, "en", "Das Bürgerbüro ist vom")
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
    response = save(client, "tr", entry_key(client, "tr", "Veröffentlicht am"), typed)
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
    assert "Learning by the canal" in first.text
    key = entry_key(anna, "en", "Lernen am Kanal")
    mo = po_of(translations_dir).with_suffix(".mo")
    mo_before = mo.read_bytes()
    assert save(anna, "en", key, "Learning at the canal", action="approve").status_code == 303
    assert mo.read_bytes() != mo_before
    second = reader.get("/en/")
    assert "Learning at the canal" in second.text and "Learning by the canal" not in second.text
    assert reader.get("/en/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    # A second app on the same files (another worker) sees it too.
    from service import create_app

    other = create_app({**app.config}).test_client()
    assert "Learning at the canal" in other.get("/en/").text


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
    machine = catalog.get("Lernen am Kanal")
    machine.flags.add("fuzzy")
    machine.auto_comments.append(f"{catalogs.MACHINE_COMMENT_PREFIX} by argos")
    catalog.get("Bildung").string = ""
    catalogs.save_po(po, catalog)
    def listed(url: str) -> str:
        """The table of a list page (the source filter names pages too, "Lernen am Kanal" among them)."""
        return anna.get(url).text.split("<tbody>")[1]

    outdated = listed("/translate/en/?status=outdated")
    assert ">Hinweis<" in outdated and "Lernen am Kanal" not in outdated
    machine_list = listed("/translate/en/?status=machine")
    assert "Lernen am Kanal" in machine_list and ">Hinweis<" not in machine_list
    missing = listed("/translate/en/?status=missing")
    assert ">Bildung<" in missing and ">Hinweis<" not in missing
    found = anna.get("/translate/en/", query_string={"q": "canal"}).text  # the translation is searched too
    assert "Lernen am Kanal" in found
    editor = anna.get(f"/translate/en/entry/{entry_key(anna, 'en', 'Lernen am Kanal')}").text
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
def test_upload_previewed_then_merged(app, app_config, anna, translations_dir):
    """A valid .po is first shown as a preview with a diff (nothing written); confirmed, it merges and is audited."""
    po = po_of(translations_dir)
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgid "Hinweis"\nmsgstr "Notice"', 'msgid "Hinweis"\nmsgstr "Important"')
    text += '\nmsgid "Gibt es nicht"\nmsgstr "Does not exist"\n'
    before = po.read_bytes()
    preview = upload(anna, "en", text.encode("utf-8"))
    assert preview.status_code == 200, unescape(preview.text)
    page = unescape(preview.text)
    assert "<del>Notice</del><ins>Important</ins>" in preview.text
    assert "1 Eintrag wird übernommen." in page and "1 unbekannter Eintrag übersprungen." in page
    assert po.read_bytes() == before and count(app, wb_audit) == 0
    done = confirm(anna, preview)
    assert done.status_code == 200
    assert "Datei übernommen. 1 Eintrag übernommen." in unescape(done.text)
    assert message(translations_dir, "Hinweis").string == "Important"
    assert message(translations_dir, "Gibt es nicht") is None
    # The notice is live at year's end: a reader then sees the uploaded text.
    at_year_end = create_app({**app_config, "CLOCK": MovableClock(utc(2026, 12, 27, 9))})
    assert "Important" in at_year_end.test_client().get("/en/").text
    assert [(r.action, r.old, r.new) for r in table_rows(app, wb_audit)] == [("upload", "Notice", "Important")]
    assert confirm(anna, preview).status_code == 404  # a preview is applied once


def test_upload_keeps_changes_made_after_the_download(app, anna, translations_dir):
    """An upload of an older download does not overwrite an entry a colleague saved meanwhile; the rest merges."""
    downloaded = anna.get("/translate/en/download").data.decode("utf-8")
    make_user(app, "bert", locales=("en",))
    bert = app.test_client()
    login(bert, "bert")
    app.config["WORKBENCH_SELF_APPROVAL"] = ["en"]
    assert save(bert, "en", entry_key(bert, "en", "Hinweis"), "Announcement", action="approve").status_code == 303
    edited = downloaded.replace('msgid "Hinweis"\nmsgstr "Notice"', 'msgid "Hinweis"\nmsgstr "Important"')
    edited = edited.replace('msgid "Beispiele"\nmsgstr "Examples"', 'msgid "Beispiele"\nmsgstr "Case studies"')
    preview = upload(anna, "en", edited.encode("utf-8"))
    page = unescape(preview.text)
    assert "1 Konflikt: nicht übernommen." in page and "Announcement" in page and "Important" in page
    assert "keine Download-Marke" not in page
    confirm(anna, preview)
    assert message(translations_dir, "Hinweis").string == "Announcement"  # Bert's work stays
    assert message(translations_dir, "Beispiele").string == "Case studies"


def test_upload_without_the_mark_is_stale_and_overwrites_no_web_edit(app, anna, translations_dir):
    """A file without X-Workbench-Mark (from git, a tool that drops headers) never reverts a web edit."""
    po = po_of(translations_dir)
    old_copy = po.read_text(encoding="utf-8")  # taken before the web edit, as a copy from git would be
    assert save(anna, "en", entry_key(anna, "en", "Hinweis"), "Please note – newer", action="approve").status_code \
        == 303
    edited = old_copy.replace('msgid "Beispiele"\nmsgstr "Examples"', 'msgid "Beispiele"\nmsgstr "Case studies"')
    assert not re.search(r'^"X-Workbench-Mark: \d+', edited, re.M)
    preview = upload(anna, "en", edited.encode("utf-8"))
    page = unescape(preview.text)
    assert "keine Download-Marke (X-Workbench-Mark)" in page
    assert "1 Konflikt: nicht übernommen." in page and "Please note – newer" in page
    confirm(anna, preview)
    assert message(translations_dir, "Hinweis").string == "Please note – newer"  # the exact web text survives
    assert message(translations_dir, "Beispiele").string == "Case studies"


def test_one_broken_entry_does_not_reject_the_file(app, anna, translations_dir):
    """A broken entry is reported with its line, German text and problem; the valid ones are imported."""
    po = po_of(translations_dir)
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "Learning by the canal"', 'msgstr "Learning by %(x)s"')
    text = text.replace('msgid "Hinweis"\nmsgstr "Notice"', 'msgid "Hinweis"\nmsgstr "Important"')
    text += '\nmsgid "Beispiele für %(x)s"\nmsgstr "unterminated\n'
    line = text.split("\n").index('msgstr "Learning by %(x)s"') + 1
    preview = upload(anna, "en", text.encode("utf-8"))
    assert preview.status_code == 200
    page = unescape(preview.text)
    assert "2 fehlerhafte Einträge: nicht übernommen." in page
    row = re.search(r'<tr class="wb-upload-invalid">\s*<td>(\d+)</td>\s*<td lang="de" dir="ltr">Lernen am Kanal</td>'
                    r'\s*<td>(.*?)</td>', page)
    assert row and int(row.group(1)) in (line - 1, line), (line, row and row.group(1))
    assert "Die Platzhalter müssen dieselben sein wie im Original" in row.group(2)
    assert "Beispiele für %(x)s" in page and 'Keine gültige .po-Zeile: msgstr "unterminated' in page
    confirm(anna, preview)
    assert message(translations_dir, "Hinweis").string == "Important"
    assert message(translations_dir, "Lernen am Kanal").string == "Learning by the canal"


def test_upload_modes_fill_and_suggest(app, anna, translations_dir):
    """Fill only touches untranslated entries; suggest writes nothing to the catalog and queues suggestions."""
    po = po_of(translations_dir)
    catalog = catalogs.load_po(po, "en")
    catalog.get("Beispiele").string = ""
    catalogs.save_po(po, catalog)
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgid "Hinweis"\nmsgstr "Notice"', 'msgid "Hinweis"\nmsgstr "Important"')
    text = text.replace('msgid "Beispiele"\nmsgstr ""', 'msgid "Beispiele"\nmsgstr "Case studies"')
    preview = upload(anna, "en", text.encode("utf-8"), mode="fill")
    assert "1 Eintrag hier schon übersetzt oder geprüft: beibehalten." in unescape(preview.text)
    confirm(anna, preview)
    assert message(translations_dir, "Hinweis").string == "Notice"
    assert message(translations_dir, "Beispiele").string == "Case studies"
    before = po.read_bytes()
    suggested = confirm(anna, upload(anna, "en", text.encode("utf-8"), mode="suggest"))
    assert "Datei übernommen. 1 Eintrag übernommen." in unescape(suggested.text)
    assert po.read_bytes() == before
    queue = unescape(anna.get(f"/translate/en/entry/{entry_key(anna, 'en', 'Hinweis')}").text)
    assert "Important" in queue and "aus einer Datei von anna" in queue


def test_a_translators_upload_waits_for_review(app, translations_dir):
    """Without the right to approve their own text, uploaded changes become proposals; pages keep the old text."""
    make_user(app, "tom", locales=("en",))
    tom = app.test_client()
    login(tom, "tom")
    text = po_of(translations_dir).read_text(encoding="utf-8")
    text = text.replace('msgid "Hinweis"\nmsgstr "Notice"', 'msgid "Hinweis"\nmsgstr "Important"')
    done = confirm(tom, upload(tom, "en", text.encode("utf-8")))
    assert "Sie warten auf Prüfung" in unescape(done.text)
    assert message(translations_dir, "Hinweis").string == "Notice"
    listed = tom.get("/translate/en/", query_string={"status": "review"}).text
    assert "Hinweis" in listed


def _bad_uploads(po_text: str) -> dict[str, tuple[bytes, int, str]]:
    """Each kind of bad upload, with the status and a piece of the message it must get."""
    arabic_plurals = ("nplurals=6; plural=(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2 : n % 100 >= 3 && n % 100 <= 10 ? 3"
                      " : n % 100 >= 11 && n % 100 <= 99 ? 4 : 5);")
    return {
        "garbage": (b"\x00\x01PK\x03\x04 binary garbage", 400, "keine gültige .po-Datei"),
        "latin-1": (po_text.replace('msgstr "Notice"', 'msgstr "Notiz für Sie"').encode("latin-1", "replace"), 400,
                    "nicht in UTF-8"),
        "charset": (po_text.replace("charset=utf-8", "charset=ISO-8859-1").encode(), 400, "Kodierung"),
        "plural-count": (po_text.replace("nplurals=2; plural=(n != 1);", arabic_plurals).encode(), 400,
                         "Pluralformen"),
        "plural-garbage": (po_text.replace("nplurals=2; plural=(n != 1);", "nplurals=many; plural=n;").encode(),
                           400, "keine gültige .po-Datei"),
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
        response = upload(anna, "en", data)
        assert response.status_code == status, (kind, response.status_code)
        text = unescape(response.text)
        assert "Die Datei wurde abgelehnt. Es wurde nichts geändert." in text, kind
        assert needle in text, (kind, re.findall(r'<div class="form-errors".*?</div>', text, re.S))
        assert po.read_bytes() == before and mo.read_bytes() == mo_before, kind
    assert count(app, wb_audit) == 0
    assert upload(anna, "en", b"", name="").status_code == 400


def test_editor_offers_the_audio_of_the_published_block(app, anna):
    """With read-aloud available (real espeak-ng), the editor plays the block as it is published."""
    key = entry_key(anna, "en", "Lernen am Kanal")
    page = anna.get(f"/translate/en/entry/{key}").text
    url = re.search(r'<audio controls preload="none" src="([^"]+)"', page).group(1)
    assert url.startswith("/audio/en/index/b1-") and url.endswith(".mp3")
    audio = anna.get(url)
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg" and len(audio.data) > 1000
