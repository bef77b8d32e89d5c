"""The reviewer's catalog findings stay fixed: wording, scripts, plurals, number formats, headers, glossary."""
from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from flask_babel import force_locale, ngettext

from service.catalogs import load_po
from service.config import ROOT, SHIPPED_LOCALES

from .html import find
from .workbench_support import entry_key, login, make_user, save

#: End to end: reviews of the shipped translations of the real pages (content/).
pytestmark = pytest.mark.real_content

TRANSLATED = [loc for loc in SHIPPED_LOCALES if loc != "de"]
INDEX_PARAGRAPH = "Ein wesentlicher Bestandteil der Herner Bildungslandschaft"


def catalog(locale: str, domain: str = "messages"):
    """A shipped catalog."""
    return load_po(ROOT / "translations" / locale / "LC_MESSAGES" / f"{domain}.po", locale)


def translation(locale: str, start: str) -> str:
    """The translation of the message that starts with some German words, or did before an editor changed them.

    An outdated entry keeps its reviewed translation (and the German it translated as ``#| msgid``) until a
    translator updates it, so an editor's rewrite of the German does not hide the translation checked here.
    """
    for message in catalog(locale):
        if not isinstance(message.id, str):
            continue
        germans = [message.id, *(p for p in (message.previous_id or []) if isinstance(p, str))]
        if any(german.startswith(start) for german in germans):
            return message.string
    raise AssertionError(f"no {locale} message starts with {start!r}")


@pytest.mark.parametrize("locale, land, state", [
    ("uk", "федеральної землі", "держави"), ("ru", "федеральной земли", "государства"), ("ro", "landului", "statului"),
])
def test_staatlich_kommunal_means_the_land(locale, land, state):
    """The shared responsibility is the Land's and the city's, not the nation state's."""
    text = translation(locale, INDEX_PARAGRAPH)
    assert land in text and state not in text


@pytest.mark.parametrize("locale, name", [("ar", "هيرنه"), ("uk", "Герне"), ("ru", "Херне")])
def test_herne_is_written_in_the_script_of_the_text(locale, name):
    """No Latin 'Herne' in Arabic or Cyrillic running text (domain names in link texts stay as they are)."""
    for message in catalog(locale):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert not re.search(r"\bHerne\b", text or ""), (locale, message.id)
    assert name in translation(locale, "Drei dieser Schulen liegen in Herne")


def test_turkish_vowel_harmony_and_formal_imperatives():
    """'Gesamtschule de' (e, not a); action labels use the formal -in/-ın/-un/-ün form throughout."""
    assert "Mont-Cenis Gesamtschule de " in translation("tr", "Drei dieser Schulen")
    informal = []
    for msgid in ("Stopp", "Stoppen", "Pause", "Weiter", "Speichern", "Verwerfen", "Anzeigen", "Löschen",
                  "Anmelden", "Abmelden", "Wechseln", "Nachricht senden", "Vorschlag senden", "Konto anlegen",
                  "Als MP3 herunterladen", "Als CSV herunterladen", "Zum Inhalt springen", "Zurück zur Liste",
                  "Speichern und freigeben", "Abschnitt vorlesen", "Als erledigt speichern"):
        text = catalog("tr").get(msgid).string
        if not re.search(r"(in|ın|un|ün|yin|yın|yun|yün)n?\b", text.split(" (")[0]):
            informal.append((msgid, text))
    assert informal == []


@pytest.mark.parametrize("locale, words", [
    ("en", "North Rhine-Westphalia (NRW)"), ("pl", "Nadrenia Północna-Westfalia (NRW)"),
    ("ar", "شمال الراين-وستفاليا (NRW)"),
])
def test_nrw_is_explained(locale, words):
    """The abbreviation NRW is spelled out where it first appears."""
    assert words in translation(locale, "Um die Chancengerechtigkeit")


@pytest.mark.parametrize("locale", ["pl", "ro"])
def test_one_name_per_control(locale):
    """The stop button and its keyboard shortcut carry the same word."""
    assert catalog(locale).get("Stopp").string == catalog(locale).get("Stoppen").string


def test_english_is_british_including_dates(client):
    """Dates as 24 July 2020; British spellings in the catalog."""
    html = client.get("/en/").text
    assert "24 July 2020" in html and "July 24" not in html
    texts = " ".join(m.string for m in catalog("en") if isinstance(m.string, str))
    for american in ("color", "catalog ", "program ", "center", "organization", "behavior", "license "):
        assert american not in texts.lower(), american


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_speed_labels_use_the_locales_decimal_separator(client, locale):
    """0,75× in German, 0.75× in English: the player's speeds are formatted by Babel."""
    html = client.get(f"/{locale}/").text
    labels = [o.text.strip() for o in find(html, "option") if o.attrs.get("value") in ("0.75", "1.25")]
    formatting = {"en": "en_GB"}.get(locale, locale)
    assert labels == [f"{format_decimal(0.75, locale=formatting)}×", f"{format_decimal(1.25, locale=formatting)}×"]


def test_gymnasium_wanne_is_in_the_glossary():
    """Machine translation keeps the school's name."""
    terms = (ROOT / "translations" / "glossary.txt").read_text(encoding="utf-8").splitlines()
    assert "Gymnasium Wanne" in terms


@pytest.mark.parametrize("locale", TRANSLATED)
def test_counted_messages_have_every_plural_form(locale):
    """Counts go through ngettext; each plural entry has the language's number of forms, all filled."""
    cat = catalog(locale)
    plural = [m for m in cat if m.pluralizable]
    assert len(plural) >= 12
    assert all(len(m.string) == cat.num_plurals and all(m.string) for m in plural)
    assert cat.num_plurals == {"ar": 6, "en": 2, "tr": 2, "pl": 3, "uk": 3, "ro": 3, "ru": 3}[locale]
    counted = re.compile(r"%\((n|num)\)s (Zeichen|Einträge)")
    singular_counts = [m.id for m in cat if isinstance(m.id, str) and counted.search(m.id)]
    assert singular_counts == []


@pytest.mark.parametrize("n, expected", [
    (0, "0 حرف"), (1, "1 حرف"), (2, "2 حرفين"), (5, "5 أحرف"), (11, "11 حرفًا"), (100, "100 حرف"),
])
def test_arabic_counts_take_the_right_form(app, n, expected):
    """All six Arabic plural forms are reached through the compiled catalog."""
    with app.test_request_context("/ar/"):
        with force_locale("ar"):
            text = ngettext("Der Name ist zu lang (höchstens %(num)s Zeichen).",
                            "Der Name ist zu lang (höchstens %(num)s Zeichen).", n)
    assert expected in text


def test_polish_count_in_a_template(app):
    """The workbench's counted line in Polish: 1 wpis, 2 wpisy, 5 wpisów."""
    make_user(app, "root", role="admin", locales=())
    client = app.test_client()
    login(client, "root")
    forms = set()
    for query in ("Stadt der Talente", "Hinweis", "Herne", ""):
        page = client.get("/translate/pl/", query_string={"lang": "pl", "q": query}).text
        n, word = re.search(r"Znaleziono (\d+) (wpis|wpisy|wpisów)\.", page).groups()
        n = int(n)
        expected = "wpis" if n == 1 else "wpisy" if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else "wpisów"
        assert word == expected, (n, word)
        forms.add(word)
    assert len(forms) >= 2


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT).as_posix()
                                        for p in (ROOT / "translations").glob("*/LC_MESSAGES/*.po")))
def test_po_headers_are_real(path):
    """No FULL NAME, YEAR-MO-DA, FIRST AUTHOR, ORGANIZATION or LL@li.org left in any catalog."""
    head = (ROOT / path).read_text(encoding="utf-8").split("\n\n", 1)[0]
    for placeholder in ("FULL NAME", "YEAR-MO-DA", "FIRST AUTHOR", "ORGANIZATION", "LL@li.org", "EMAIL@ADDRESS"):
        assert placeholder not in head, placeholder
    assert "Language-Team: " in head and "Last-Translator: " in head


def test_workbench_save_maintains_last_translator_and_revision_date(app, translations_dir):
    """A save through the workbench puts the account and the moment into the header."""
    make_user(app, "anna", locales=("en",))
    app.config["WORKBENCH_SELF_APPROVAL"] = ["en"]  # one translator per language approves their own text
    client = app.test_client()
    login(client, "anna")
    po = translations_dir / "en" / "LC_MESSAGES" / "messages.po"
    before = read_po(po.open("rb"))
    assert save(client, "en", entry_key(client, "en", "Hinweis"), "Notice!", action="approve").status_code == 303
    after = read_po(po.open("rb"))
    assert after.last_translator == "anna"
    assert after.revision_date > before.revision_date
    assert "Language-Team: English <translators@herne.invalid>" in po.read_text(encoding="utf-8")


def test_init_of_a_new_locale_writes_a_real_header(runner, translations_dir):
    """`flask i18n init` starts a catalog with the project's header, not Babel's placeholders."""
    result = runner.invoke(args=["i18n", "init", "fr"])
    assert result.exit_code == 0, result.output
    head = (translations_dir / "fr" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8").split("\n\n")[0]
    assert "FULL NAME" not in head and "YEAR-MO-DA" not in head and "Language-Team: French" in head
