"""The pronunciation lexicon: a gettext domain per locale, from a committed term list, used for speech and edited in
the workbench."""
from __future__ import annotations

import re

from service.audio.publish import audio_urls, page_segments
from service.catalogs import load_po
from service.catalogs.extract import build_template, pot_bytes, read_terms
from service.config import ROOT

from .workbench_support import login, make_user, token


def test_template_is_the_committed_term_list():
    """translations/lexicon.pot holds exactly the terms of translations/lexicon.txt, with their notes."""
    terms = read_terms(ROOT / "translations" / "lexicon.txt")
    assert {"HSM", "NRW", "Herne", "Mont-Cenis", "Gesamtschule"} <= {t for t, _, _ in terms}
    template = build_template("lexicon")
    assert [m.id for m in template if m.id] == [t for t, _, _ in terms]
    hsm = template["HSM"]
    assert any("letter by letter" in c for c in hsm.auto_comments)
    committed = load_po(ROOT / "translations" / "lexicon.pot")
    assert {m.id for m in committed if m.id} == {t for t, _, _ in terms}


def test_every_locale_has_a_lexicon_and_it_is_loaded(app):
    """Each shipped locale has lexicon.po; I18n.lexicon gives only the terms it respells."""
    i18n = app.extensions["i18n"]
    for locale in app.config["SHIPPED_LOCALES"]:
        assert (ROOT / "translations" / locale / "LC_MESSAGES" / "lexicon.po").exists(), locale
    assert i18n.lexicon("de")["HSM"] == "H S M" and "Herne" not in i18n.lexicon("de")
    assert i18n.lexicon("uk")["Herne"] == "Герне" and i18n.lexicon("ar")["Herne"] == "هِيرْنِه"


def test_a_term_is_spoken_on_every_page_it_appears(app):
    """One entry changes every block that shows the term: it is part of their segments and audio hashes."""
    with app.test_request_context("/"):
        blocks = [s for slug in app.extensions["content"].pages for s in page_segments("uk", slug, "page")]
        with_nrw = [s for s in blocks if "NRW" in s.text]
        assert len(with_nrw) >= 2  # fixture pages: werkstatt and leichte-sprache
        assert all(("NRW", "ен ер ве") in s.terms for s in with_nrw)
        assert all(not any(t == "NRW" for t, _ in s.terms) for s in blocks if "NRW" not in s.text
                   and "NRW" not in (s.speech or ""))


def test_changing_a_term_changes_the_audio_urls(app, runner, translations_dir):
    """A lexicon edit, compiled, gives new content hashes to the blocks that use the term, and only to them."""
    with app.test_request_context("/"):
        before_nrw = audio_urls("de", "werkstatt", "b3")["mp3"]  # "… wie viele Schulen in NRW."
        before_other = audio_urls("de", "werkstatt", "b2")["mp3"]
    po = translations_dir / "de" / "LC_MESSAGES" / "lexicon.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "N R W"', 'msgstr "En Er We"'), encoding="utf-8")
    assert runner.invoke(args=["i18n", "compile", "--domain", "lexicon", "--locale", "de"]).exit_code == 0
    with app.test_request_context("/"):
        assert audio_urls("de", "werkstatt", "b3")["mp3"] != before_nrw
        assert audio_urls("de", "werkstatt", "b2")["mp3"] == before_other


def test_update_adds_a_new_term_empty_not_guessed(runner, translations_dir, tmp_path):
    """A term added to the list reaches every catalog empty (no fuzzy guess from a similar term)."""
    source = tmp_path / "src" / "translations"
    source.mkdir(parents=True)
    (source / "lexicon.txt").write_text("Herne\nHerner Talente #a new name\n", encoding="utf-8")
    (translations_dir / "lexicon.pot").write_bytes(pot_bytes(build_template("lexicon", source.parent)))
    assert runner.invoke(args=["i18n", "update", "--domain", "lexicon"]).exit_code == 0
    catalog = load_po(translations_dir / "uk" / "LC_MESSAGES" / "lexicon.po", "uk")
    new = catalog["Herner Talente"]
    assert new.string == "" and not new.fuzzy
    assert catalog["Herne"].string == "Герне" and "HSM" not in catalog  # dropped from the list, dropped here
    assert runner.invoke(args=["i18n", "check", "--locale", "uk"]).exit_code == 0


def test_workbench_lists_edits_and_previews_terms(app, client):
    """Translators see every term, save how it is said, and hear it; readers without an account cannot."""
    assert client.get("/translate/tr/lexicon").status_code == 302
    make_user(app, "ayse", locales=("tr",))
    login(client, "ayse")
    page = client.get("/translate/tr/lexicon")
    assert page.status_code == 200 and ">HSM<" in page.text and 'value="En Er Ve"' in page.text
    row = re.search(r'id="term-([0-9a-f]{16})">\s*<h2 class="wb-term"[^>]*>Mont-Cenis<', page.text)
    key = row.group(1)
    revision = re.search(rf'name="key" value="{key}">\s*<input type="hidden" name="revision" value="([0-9a-f]{{16}})"',
                         page.text).group(1)
    saved = client.post("/translate/tr/lexicon", data={"csrf_token": token(page.text), "key": key,
                                                      "revision": revision, "msgstr": "Mon Sönii"})
    assert saved.status_code == 303
    assert app.extensions["i18n"].lexicon("tr")["Mont-Cenis"] == "Mon Sönii"
    audio = client.get(f"/translate/tr/lexicon/{key}.mp3")
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg" and len(audio.data) > 1000
    # a stale revision is refused and loses nothing: the typed text comes back with the message
    stale = client.post("/translate/tr/lexicon", data={"csrf_token": token(page.text), "key": key,
                                                      "revision": revision, "msgstr": "Mon Seni"})
    assert stale.status_code == 409 and 'value="Mon Seni"' in stale.text
    assert client.post("/translate/ar/lexicon", data={"csrf_token": token(page.text), "key": key,
                                                      "revision": revision, "msgstr": "x"}).status_code == 403
