"""Issue 26's review findings that the catalogs themselves show: pinned on the shipped files and the real pages."""
from __future__ import annotations

import re

import pytest

from service.catalogs import load_po, po_path
from service.config import ROOT

#: End to end: reviews of the shipped translations of the real pages (content/).
pytestmark = pytest.mark.real_content

LOCALES = ["en", "tr", "ar", "pl", "uk", "ro", "ru"]


def _catalog(locale: str, domain: str = "messages"):
    """A shipped catalog."""
    return load_po(po_path(ROOT / "translations", locale, domain), locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_one_msgid_two_meanings_has_two_entries(locale):
    """The GDPR heading and the workbench's permissions column are separate entries with separate texts."""
    catalog = _catalog(locale)
    rights = catalog.get("Ihre Rechte").string
    permissions = catalog.get("Ihre Rechte", "workbench permissions").string
    assert rights and permissions and rights != permissions
    assert catalog.get("Vorlesen", "player button").string


def test_the_gdpr_heading_names_rights_not_permissions():
    """The review's examples: "Your permissions", "Yetkileriniz", "صلاحياتكم", "Moje uprawnienia" are gone."""
    shown = {loc: _catalog(loc).get("Ihre Rechte").string for loc in LOCALES}
    assert shown["en"] == "Your rights" and shown["tr"] == "Haklarınız" and shown["ar"] == "حقوقكم"
    assert "uprawnienia" not in shown["pl"].lower()


@pytest.mark.parametrize("locale", LOCALES)
def test_leichte_sprache_quotes_the_real_page_title_and_button(locale):
    """Where the page names another page or the player's button, it uses their translated names exactly."""
    catalog = _catalog(locale)
    title = catalog.get("Erklärung zur Barrierefreiheit").string
    button = catalog.get("Vorlesen", "player button").string
    link = f"[{title}](page:barrierefreiheit)"
    assert link in catalog.get("Auf der Seite „[Erklärung zur Barrierefreiheit](page:barrierefreiheit)“ finden Sie "
                               "ein Formular.").string
    assert link in catalog.get("Alles steht genau auf der Seite „[Erklärung zur Barrierefreiheit]"
                               "(page:barrierefreiheit)“.").string
    assert button in catalog.get("Drücken Sie dafür auf den Knopf „Vorlesen“.").string


@pytest.mark.parametrize("locale", LOCALES)
def test_no_stale_previous_translation_comments(locale):
    """A translated entry carries no "previous translation" comment from an old merge."""
    for message in _catalog(locale):
        if message.id and message.string:
            assert not any(c.startswith("previous translation") for c in message.user_comments), message.id


def test_ukrainian_uses_one_apostrophe():
    """U+02BC between letters everywhere, never U+0027 or U+2019."""
    for domain in ("messages", "speech", "lexicon"):
        for message in _catalog("uk", domain):
            text = message.string if isinstance(message.string, str) else " ".join(message.string or ())
            assert not re.search(r"(?<=[а-яіїєґА-ЯІЇЄҐ])['’](?=[а-яіїєґА-ЯІЇЄҐ])", text or ""), message.id


def test_turkish_institution_names_take_suffixes_without_apostrophe_and_one_imperative():
    """TDK: "Herne Belediyesinin", not "Belediyesi'nin"; the player's buttons all say "dinleyin"."""
    texts = [m.string for m in _catalog("tr") if m.id and isinstance(m.string, str)]
    assert not [t for t in texts if re.search(r"(Belediyesi|Ağı|Bürosu)'", t)]
    assert not [t for t in texts if re.search(r"\b[Dd]inle\b", t)]


@pytest.mark.parametrize("locale", ["tr", "pl"])
def test_crange_has_a_pronunciation(locale):
    """The district's name with its soft g, spelled for the Turkish and Polish voices."""
    assert _catalog(locale, "lexicon").get("Crange").string


@pytest.mark.parametrize("locale, term, wrong", [("ru", "Лёгкий язык", "Ясный язык"), ("uk", "Легка мова", None),
                                                 ("tr", "Kolay Dil", "Kolay Okunur Dil")])
def test_one_term_for_leichte_sprache(locale, term, wrong):
    """The menu uses the glossary's term; the Russian menu no longer says plain language."""
    assert _catalog(locale).get("Leichte Sprache").string == term
    if wrong:
        assert not [m.id for m in _catalog(locale) if isinstance(m.string, str) and wrong in m.string]


@pytest.mark.parametrize("locale, state", [("uk", "федеральної землі"), ("ru", "федеральной земли")])
def test_spoken_text_names_the_federal_state_like_the_screen(client, locale, state):
    """The index page's spoken text says federal state, as the screen does (no speech override left saying nation)."""
    speech = _catalog(locale, "speech")
    for message in speech:
        if message.string:
            assert "держав" not in message.string and "государств" not in message.string, message.id
    assert state in client.get(f"/{locale}/").text


@pytest.mark.parametrize("locale, spoken", [("pl", "Nadrenia Północna-Westfalia"), ("ar", "شَمَالِ الرَّايْنِ")])
def test_spoken_talentschulen_text_keeps_north_rhine_westphalia(locale, spoken):
    """The screen names the state; the spoken override does too."""
    speech = _catalog(locale, "speech")
    message = next(m for m in speech if m.id and m.id.startswith("Um die Chancengerechtigkeit"))
    assert spoken in message.string


@pytest.mark.parametrize("slug", ["datenschutz", "barrierefreiheit", "leichte-sprache", "", "hilfe-vorlesen"])
def test_arabic_speech_of_the_legal_pages_is_vowelled(app, slug):
    """Issue 26 item 6 (and issue 23: the overview page "" and the listeners' help): every block of these pages has
    an Arabic spoken text with its vowel marks, so that the voice does not guess (at least one mark for every two
    Arabic letters; fully vowelled text has about one each)."""
    from service.content import get_content

    speech = _catalog("ar", "speech")
    with app.app_context():
        page = get_content().get(slug)
    for block in page.blocks:
        entry = speech.get(block.msgid)
        assert entry is not None and entry.string, block.msgid
        letters = re.findall("[\u0621-\u064A]", entry.string)
        marks = re.findall("[\u064B-\u0652]", entry.string)
        assert len(marks) >= len(letters) / 2, block.msgid


def test_polish_addresses_readers_one_way():
    """"Państwo" throughout: neither "Pan lub Pani" nor impersonal "można" where the reader is addressed."""
    addressed = ("Sie ", "Ihr", "Ihnen", "Drücken Sie")
    for message in _catalog("pl"):
        if not (message.id and isinstance(message.string, str) and message.string):
            continue
        assert not re.search(r"\bPan(a|u|em)? lub Pani\b", message.string), message.id
        if any(word in message.id for word in addressed) and any("page '" in c for c in message.auto_comments):
            assert not re.search(r"\b[Mm]ożna\b|\b[Ww]ystarczy\b", message.string), message.id
