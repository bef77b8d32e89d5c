"""The accessibility statement, the privacy page and Leichte Sprache: the operator's settings in all eight locales."""
from __future__ import annotations

import datetime as dt

import pytest
from babel.dates import format_date

from service import create_app
from service.config import SHIPPED_LOCALES

from .html import find

#: End to end: the real statements, with the wording the law and the model statement ask for.
pytestmark = pytest.mark.real_content

OPERATOR = {
    "controller_name": "Stadt Herne – Der Oberbürgermeister",
    "controller_address": "Friedrich-Ebert-Platz 2, 44623 Herne",
    "controller_email": "stadtverwaltung@herne.invalid",
    "controller_phone": "+49 2323 16-0",
    "dpo_name": "Behördliche Datenschutzbeauftragte der Stadt Herne",
    "dpo_address": "Rathaus, 44623 Herne",
    "dpo_email": "datenschutz@herne.invalid",
    "accessibility_email": "barrierefreiheit@herne.invalid",
    "accessibility_phone": "+49 2323 16-4711",
    "responsible_office": "Fachbereich Schule und Weiterbildung",
    "hosting_provider": "Kommunales Rechenzentrum Herne-Ruhr",
    "site_url": "https://bildung.herne.invalid",
    "statement_prepared": "2026-11-26",
    "statement_reviewed": "2026-11-30",
    "enforcement_address": "Fürstenwall 25, 40219 Düsseldorf",
}
#: What each locale calls the first placeholder of the statement.
CONTROLLER_PLACEHOLDER = {
    "de": "[Name der Behörde eintragen]", "en": "[Enter the name of the authority]", "tr": "[Kurumun adını girin]",
    "ar": "[أدخلوا اسم الجهة]", "pl": "[Wpisać nazwę urzędu]", "uk": "[Вкажіть назву установи]",
    "ro": "[Introduceți numele instituției]", "ru": "[Укажите название учреждения]",
}


@pytest.fixture
def configured(app_config):
    """The app with every operator setting filled in (as FLASK_OPERATOR__* would)."""
    return create_app({**app_config, "OPERATOR": OPERATOR})


def text_of(html: str) -> str:
    """The main content's text, whitespace collapsed."""
    return " ".join(find(html, "main")[0].text.split())


def long_date(iso: str, locale: str) -> str:
    """A date as the pages format it (British English for en)."""
    text = format_date(dt.date.fromisoformat(iso), format="long", locale={"en": "en_GB"}.get(locale, locale))
    return " ".join(text.split())


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_statement_names_the_operator_in_every_locale(configured, locale):
    """Controller, site, office, contacts, both dates in the locale's format, the Ombudsstelle and its link."""
    response = configured.test_client().get(f"/{locale}/barrierefreiheit")
    assert response.status_code == 200
    html, text = response.text, text_of(response.text)
    for key in ("controller_name", "site_url", "responsible_office", "accessibility_email", "accessibility_phone"):
        assert OPERATOR[key] in text, (locale, key)
    assert long_date("2026-11-26", locale) in text and long_date("2026-11-30", locale) in text
    assert "Ombudsstelle für barrierefreie Informationstechnik des Landes Nordrhein-Westfalen" in text
    assert "ombudsstelle-barrierefreie-it@mags.nrw.de" in text
    assert find(html, "a", href="https://www.lbbp.nrw.de/ombudsstelle")
    assert "EN 301 549" in text and "(WCAG) 2.1" in text and "2.4.6" in text and "3.3.2" in text
    assert "BGG NRW" in text and "BITV NRW" in text
    easy = find(html, "a", href=f"/{locale}/leichte-sprache")
    assert any("easy-link" in p.attrs.get("class", "") for e in easy for p in e.parents)
    assert "[" not in text.replace("[%", "")  # no placeholder left
    assert find(html, "form", action=f"/{locale}/barrierefreiheit")


def test_statement_uses_the_model_statement_wording_in_german(configured):
    """The compliance status, the headings and the method in the words of Implementing Decision (EU) 2018/1523."""
    text = text_of(configured.test_client().get("/de/barrierefreiheit").text)
    for words in ("Stand der Vereinbarkeit mit den Anforderungen", "teilweise mit der BITV NRW vereinbar",
                  "Nicht barrierefreie Inhalte", "Erstellung dieser Erklärung", "Selbstbewertung",
                  "Feedback und Kontakt", "Durchsetzungsverfahren", "§§ 10d und 10e BGG NRW"):
        assert words in text, words


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_privacy_page_names_controller_dpo_recipients_periods_and_authority(configured, locale):
    """Every Art. 13 item with the configured names; the retention periods come from the configuration."""
    html = configured.test_client().get(f"/{locale}/datenschutz").text
    text = text_of(html)
    for key in ("controller_name", "controller_address", "controller_email", "controller_phone", "dpo_name",
                "dpo_address", "dpo_email", "hosting_provider"):
        assert OPERATOR[key] in text, (locale, key)
    assert "Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen (LDI NRW)" in text
    assert "poststelle@ldi.nrw.de" in text and find(html, "a", href="https://www.ldi.nrw.de")
    for number in ("365", "180", "730", "90", "30", "7"):  # the default periods, in days
        assert f"{number}\u00a0" in text or f"{number} " in text, (locale, number)
    for article in ("13", "15", "16", "17", "18", "21", "28", "77"):
        assert article in text
    assert "HMAC" in text and "localStorage" in text and "gTTS" in text and "TDDDG" in text


def test_privacy_page_states_configured_periods(app_config):
    """Changed periods are what the page says (German: 200 Tage, 2 Stunden)."""
    app = create_app({**app_config, "RETENTION": {"feedback": 200}, "RATE_LIMIT_RETENTION": 7200})
    text = text_of(app.test_client().get("/de/datenschutz").text)
    assert "200 Tage nach dem Abschluss der Bearbeitung" in text
    assert "nach höchstens 2 Stunden" in text
    assert "nach 730 Tagen" in text  # the dative after "nach" (issue 26)


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_unset_settings_show_marked_placeholders_in_the_locale(client, locale):
    """Without configuration the pages show bracketed placeholders, translated, never an empty gap."""
    text = text_of(client.get(f"/{locale}/barrierefreiheit").text)
    assert CONTROLLER_PLACEHOLDER[locale] in text


# The operator warning (once at server start, and `flask check`): tests/test_config.py.


def test_a_statement_date_that_is_no_date_stops_the_start(app_config):
    """A typo in a date fails loudly at start, naming the setting."""
    with pytest.raises(ValueError, match="statement_prepared"):
        create_app({**app_config, "OPERATOR": {"statement_prepared": "26.11.2026"}})


def test_leichte_sprache_page(configured):
    """Larger text, explains Website, Cookie and Daten, says how to report a barrier and whom to contact."""
    html = configured.test_client().get("/de/leichte-sprache").text
    article = find(html, "article")[0]
    assert article.attrs["data-kind"] == "easy"
    assert find(html, "link", href="/static/city.css")
    text = text_of(html)
    for words in ("Ein anderes Wort dafür ist: Website.", "Ein Cookie ist eine kleine Datei.",
                  "Daten sind Angaben über Sie.", "Eine Barriere melden", "barrierefreiheit@herne.invalid",
                  "+49 2323 16-4711", "Fachbereich Schule und Weiterbildung",
                  "ombudsstelle-barrierefreie-it@mags.nrw.de"):
        assert words in text, words


def test_leichte_sprache_sentences_are_short(configured):
    """Netzwerk Leichte Sprache: one statement per item, short sentences (at most 15 words each)."""
    html = configured.test_client().get("/de/leichte-sprache").text
    for item in find(html, "li", class_="block"):
        sentences = [s for s in item.text.replace("?", ".").split(".") if s.strip()]
        assert all(len(s.split()) <= 15 for s in sentences), item.text


def test_feedback_form_points_to_the_privacy_page(client):
    """Art. 13 at the moment of collection: the form links to the privacy page in the visitor's language."""
    html = client.get("/en/barrierefreiheit").text
    link = find(html, "a", href="/en/datenschutz")
    assert any("privacy notice" in a.text for a in link)


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_statement_gives_response_time_postal_contact_gaps_and_method(configured, locale):
    """Issue 26: § 5 BITV NRW's response time, §§ 9 ff. BITV NRW with the Ombudsstelle's postal address, the
    missing DGS video as a gap, and the tests with their date, in every locale."""
    text = text_of(configured.test_client().get(f"/{locale}/barrierefreiheit").text)
    section5 = {"en": "section 5 BITV NRW", "tr": "BITV NRW madde 5", "ar": "المادة 5 من لائحة BITV NRW"}
    assert section5.get(locale, "§ 5 BITV NRW") in text, locale
    assert "9" in text and "BITV NRW" in text and "Fürstenwall 25, 40219 Düsseldorf" in text
    assert "DGS" in text and "axe-core" in text and long_date("2026-11-30", locale) in text
    assert "BITV 2.0" not in configured.test_client().get(f"/{locale}/barrierefreiheit").text


def test_statement_in_german_says_what_was_tested_and_what_is_not_yet(configured):
    """The German source: the response period, the Ombudsstelle's rules, and the screen-reader test still due."""
    text = text_of(configured.test_client().get("/de/barrierefreiheit").text)
    for words in ("innerhalb von zwei bis höchstens sechs Wochen (§ 5 BITV NRW)", "Zwischennachricht",
                  "§§ 9 ff. BITV NRW", "per E-Mail, per Post oder online", "Postanschrift: Fürstenwall 25",
                  "Deutscher Gebärdensprache (DGS)", "Ein Test mit Screenreadern", "Tastatur"):
        assert words in text, words


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_privacy_page_objection_right_log_contents_and_legal_bases(configured, locale):
    """Art. 21(4): the right to object under its own heading; the log's User-Agent and Referer; in every locale."""
    html = configured.test_client().get(f"/{locale}/datenschutz").text
    text = text_of(html)
    assert "User-Agent" in text and "Referer" in text
    headings = [h.text for h in find(html, "h2")]
    assert len(headings) == len(set(headings)) and len(headings) >= 11  # "Ihr Widerspruchsrecht" is one of them
    assert "21" in text and "6" in text


def test_privacy_page_in_german_gives_a_legal_basis_for_every_processing(configured):
    """Every section that processes data names its legal basis and whether giving the data is required."""
    text = text_of(configured.test_client().get("/de/datenschutz").text)
    assert text.count("Rechtsgrundlage") >= 6
    for words in ("## Ihr Widerspruchsrecht".removeprefix("## "), "Artikel 21 Absatz 1 DSGVO",
                  "Ohne diese Angaben kann der Server keine Seite ausliefern.", "Ein Vorschlag ist freiwillig.",
                  "Ohne Benutzername und Passwort können Sie die Werkstatt nicht benutzen.",
                  "Rechtsgrundlage für die Konten, das Änderungsprotokoll und das Sitzungs-Cookie",
                  "sicheren Betrieb der Website (Artikel 32 DSGVO)"):
        assert words in text, words


def test_leichte_sprache_explains_hard_words_and_awaits_its_reader_check(configured):
    """Ombuds-Stelle, Formular, Server and Datenschutz-Erklärung explained; no "IP"; one spelling; no more claimed
    than the statement; the page's metadata says that readers of the target group have not checked it yet."""
    html = configured.test_client().get("/de/leichte-sprache").text
    assert find(html, "article")[0].attrs["data-reader-check"] == "pending"
    text = text_of(html)
    for words in ("Die Ombuds-Stelle gehört zum Land Nordrhein-Westfalen.", "Ein Formular hat Felder.",
                  "Ein Server ist ein Computer.", "Die Datenschutz-Erklärung ist eine Seite.",
                  "Die Internet-Seite ist nur zum Teil barriere-frei."):
        assert words in text, words
    assert " IP" not in text and "Fast alles" not in text
    assert "Barrierefreiheit" not in text.replace("„Erklärung zur Barrierefreiheit“", "")  # only the page's name


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_leichte_sprache_links_the_pages_it_names(configured, locale):
    """The statement and the privacy page, each in the reader's language, linked where the page names them."""
    html = configured.test_client().get(f"/{locale}/leichte-sprache").text
    hrefs = [a.attrs["href"] for a in find(html, "a") if any(p.tag == "article" for p in a.parents)]
    assert hrefs.count(f"/{locale}/barrierefreiheit") >= 2 and f"/{locale}/datenschutz" in hrefs
