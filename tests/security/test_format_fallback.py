"""Finding 2: a translation that cannot be formatted shows its German source (lang="de"), is logged, and is
refused on every write path."""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from service import catalogs
from service.catalogs.extract import build_template, pot_bytes
from service.i18n import Localized, ReaderStatus, localized_or_source

from ..workbench_support import entry_key, login, make_user, save, token, unescape

#: German source -> a Turkish translation that breaks ``%``: a lone %, an unknown type, an unknown name.
BROKEN = {
    "Veröffentlicht am %(date)s": "Yayın tarihi: %(date)s %",
    "Die Nachricht ist zu kurz. Bitte schreiben Sie mindestens %(num)s Zeichen.": ("Mesaj çok kısa %(name)i",) * 2,
    "%(num)s Eintrag gefunden.": ("%(num)d %(count)s girdi bulundu.",) * 2,
    "Konto %(name)s angelegt.": "%(name)s hesabı %(when)s oluşturuldu.",
}
#: A block of the fixture statement (tests/fixtures/site/content/barrierefreiheit.md) with a placeholder.
DECLARATION = "Für ein Schlichtungsverfahren ist die %(body)s zuständig."


def _break_turkish_mo(translations_dir) -> None:
    """Write the Turkish .mo directly with broken entries, bypassing every check (as a hand-copied file would)."""
    po = catalogs.po_path(translations_dir, "tr")
    catalog = catalogs.load_po(po, "tr")
    for msgid, text in {**BROKEN, DECLARATION: "Arabuluculuk için %(kurum)s yetkilidir."}.items():
        catalog[msgid].string = text
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    po.with_suffix(".mo").write_bytes(buf.getvalue())


def test_public_pages_fall_back_to_german_per_message(app, client, translations_dir, caplog):
    """The page answers 200; only the broken messages are German, marked lang="de", and each is logged."""
    _break_turkish_mo(translations_dir)
    with caplog.at_level(logging.ERROR, logger="service.i18n"):
        page = client.get("/tr/barrierefreiheit")
    assert page.status_code == 200
    html = unescape(page.text)
    # The date value comes formatted by the page (Turkish); the sentence around it falls back to German.
    assert re.search(r'<p class="published"><span lang="de">Veröffentlicht am \d+ Kasım 2026</span></p>', html)
    # A content block is localized whole: German text, German date, marked German.
    assert re.search(r'data-block="b\d+" lang="de">Für ein Schlichtungsverfahren ist die Ombudsstelle', html)
    assert '<html lang="tr"' in html and "Erişilebilirlik" in html  # everything else stays Turkish
    assert "Yayın tarihi" not in html and "%(kurum)s" not in html
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "cannot be formatted" in logged and "Veröffentlicht am %(date)s" in logged
    short = client.post("/tr/barrierefreiheit", data={"message": "kurz", "page": "barrierefreiheit"})
    assert short.status_code == 400
    assert '<span lang="de">Die Nachricht ist zu kurz. Bitte schreiben Sie mindestens 10 Zeichen.</span>' in \
        unescape(short.text)


def test_the_workbench_falls_back_too(app, client, translations_dir):
    """Templates (_()) and views (flask-babel's gettext, as in flash messages) never answer 500."""
    _break_turkish_mo(translations_dir)
    make_user(app, "root", role="admin", locales=())
    login(client, "root")
    listing = client.get("/translate/en/?lang=tr")
    assert listing.status_code == 200
    assert '<span lang="de">' in listing.text and re.search(r"\d+ Einträge gefunden\.", unescape(listing.text))
    users = client.get("/translate/users")
    added = client.post("/translate/users", data={"csrf_token": token(users.text), "action": "add",
                                                  "username": "emil", "password": "kettle piano saturn 42",
                                                  "role": "translator", "locales": ["tr"]}, follow_redirects=True)
    assert added.status_code == 200
    assert '<span lang="de">Konto emil angelegt.</span>' in added.text


def test_the_editor_and_upload_refuse_broken_placeholders(app, client, translations_dir):
    """Both write paths run the python-format check: nothing is saved."""
    make_user(app, "ayse", locales=("tr",))
    login(client, "ayse")
    po = catalogs.po_path(translations_dir, "tr")
    before = po.read_bytes()
    key = entry_key(client, "tr", "Veröffentlicht am")
    for text in BROKEN["Veröffentlicht am %(date)s"], "Yayın tarihi: %(date)s %(name)i":
        response = save(client, "tr", key, text)
        assert response.status_code == 400 and "Die Formatangaben müssen dieselben sein" in unescape(response.text)
    page = client.get("/translate/tr/upload")
    broken = before.decode().replace('msgstr "Yayın tarihi: %(date)s"', 'msgstr "Yayın tarihi: %(date)s %"')
    assert broken != before.decode()
    upload = client.post("/translate/tr/upload", data={"csrf_token": token(page.text),
                                                       "po": (io.BytesIO(broken.encode()), "tr.po")})
    # The preview reports the entry with what is wrong; confirmed, nothing is taken from it.
    assert upload.status_code == 200 and "Die Formatangaben müssen dieselben sein" in unescape(upload.text)
    assert "1 fehlerhafter Eintrag: nicht übernommen." in unescape(upload.text)
    assert po.read_bytes() == before


def test_a_merge_never_leaves_a_translation_that_breaks(app, runner, translations_dir):
    """`flask i18n update` fuzzy-matches a changed source; a translation whose placeholders no longer fit goes."""
    template = build_template("messages")
    old = "Veröffentlicht am %(date)s"
    message = template[old]
    template.delete(old)
    template.add("Veröffentlicht am %(date)s von %(author)s", None, message.locations, flags=("python-format",))
    (translations_dir / "messages.pot").write_bytes(pot_bytes(template))
    result = runner.invoke(args=["i18n", "update", "--locale", "tr", "--domain", "messages"])
    assert result.exit_code == 0, result.output
    po = catalogs.po_path(translations_dir, "tr")
    entry = catalogs.load_po(po, "tr")["Veröffentlicht am %(date)s von %(author)s"]
    assert entry.string == "" and not entry.fuzzy
    assert "Yayın tarihi: %(date)s" in " ".join(entry.user_comments)  # kept for the translator
    catalogs.compile_po(po)  # the merged catalog still compiles


@dataclass
class _Suggestion:
    """What the MT service answers for one text."""

    text: str
    status: str = "machine"
    model: str = "test"


def test_machine_fill_skips_a_suggestion_that_breaks(translations_dir):
    """`flask mt fill`'s fill_catalog runs the checks: an engine's stray % is never written."""
    catalog = Catalog(locale="tr")
    catalog.add("Veröffentlicht am %(date)s", "", flags=("python-format",))
    catalog.add("Lernen am Kanal", "")
    answers = {"Veröffentlicht am %(date)s": _Suggestion("Yayın tarihi: %(date)s %100"),
               "Lernen am Kanal": _Suggestion("Kanal kıyısında öğrenmek")}
    filled, skipped = catalogs.fill_catalog(catalog, lambda texts: {t: answers[t] for t in texts}, "argos", "m")
    assert (filled, skipped) == (1, 1)
    assert catalog["Veröffentlicht am %(date)s"].string == ""
    assert catalog["Lernen am Kanal"].string == "Kanal kıyısında öğrenmek"


def test_one_function_falls_back_for_every_caller(app, caplog):
    """localized_or_source: a translation that does not fit gives the German source, marked as such, and is logged;
    a German source that does not fit its values is a bug and raises."""
    fill = lambda found: (found.text % {"n": 3}, found.lang, found.status)  # noqa: E731
    with app.app_context(), caplog.at_level(logging.ERROR, logger="service.i18n"):
        fitting = Localized("%(n)s kitap", "tr", ReaderStatus.HUMAN)
        assert localized_or_source(fill, fitting, "%(n)s Bücher", "tr") == ("3 kitap", "tr", ReaderStatus.HUMAN)
        assert not caplog.records
        broken = Localized("%(n)s kitap %", "tr", ReaderStatus.HUMAN)
        assert localized_or_source(fill, broken, "%(n)s Bücher", "tr") == ("3 Bücher", "de", ReaderStatus.SOURCE)
        assert "the tr translation of '%(n)s Bücher' cannot be formatted" in caplog.text
        with pytest.raises(KeyError):
            localized_or_source(fill, Localized("%(m)s Bücher", "de", ReaderStatus.SOURCE), "%(m)s Bücher", "de")
