"""Checks as data: each check's exact Finding for a bad translation and none for a good one; registry; Babel hook."""
from __future__ import annotations

import configparser
import importlib

import babel.messages.checkers as babel_checkers
import pytest
from babel.messages.catalog import Catalog, Message, TranslationError

from service.catalogs import checks
from service.catalogs.checks import REGISTRY, Finding, babel_checker, check_catalog, check_message, describe
from service.config import ROOT


def _catalog(locale: str = "en") -> Catalog:
    """An empty catalog of a locale (English: two plural forms)."""
    return Catalog(locale=locale)


def _run(check_id: str, source: str, target: str, flags: tuple[str, ...] = ()) -> list[Finding]:
    """One check's findings for one translation of a source."""
    message = Message(source, target)
    message.flags.update(flags)  # Babel's constructor keeps "python-format" only where it detects one itself
    return REGISTRY[check_id].function(source, target, message, _catalog())


#: (check, source, bad translation, the exact Finding's missing, extra, expected, good translation)
CASES = [
    ("placeholders", "rund %(amount)s investieren", "about invest",
     ("%(amount)s",), (), ("%(amount)s",), "about %(amount)s invested"),
    ("placeholders", "rund %(amount)s investieren", "about %(amont)s",
     ("%(amount)s",), ("%(amont)s",), ("%(amount)s",), "about %(amount)s"),
    ("placeholders", "vom %(start)s bis %(end)s", "from %(start)s to %(start)s",
     ("%(end)s",), ("%(start)s",), ("%(end)s", "%(start)s"), "from %(start)s to %(end)s"),
    ("links", "Siehe [Seite](https://inherne.net/a/)", "See [page](https://evil.example/)",
     ("https://inherne.net/a/",), ("https://evil.example/",), ("https://inherne.net/a/",),
     "See [page](https://inherne.net/a/)"),
    ("markup", "Ein <b>Wort</b>", "A word", ("</b>", "<b>"), (), ("</b>", "<b>"), "A <b>word</b>"),
    ("markup", "Ein <b>Wort</b>", "A <i>word</i>", ("</b>", "<b>"), ("</i>", "<i>"), ("</b>", "<b>"),
     "A <B class='x'>word</B>"),
    ("python-format", "Veröffentlicht am %(date)s", "Yayın tarihi: %(date)s %",
     (), ("%",), ("%(date)s",), "Yayın tarihi: %(date)s"),
    ("python-format", "Konto %(name)s gelöscht.", "Account %(name)i deleted.",
     (), ("%(name)i",), ("%(name)s",), "Account %(name)s deleted."),
    ("python-format", "%(n).1f km", "%(n)d km", ("%(n).1f",), (), ("%(n).1f",), "%(n).1f km"),
    ("whitespace", "Text", " Text\n", (), (" ", "\n"), (), "Text"),
    ("control", "Text", "Te\x07xt\x1b", (), ("U+0007", "U+001B"), (), "Te\txt\nmore"),
    ("bidi", "Preis: 5 Euro", "Price: \u202e5 Euro\u202c", (), ("U+202C", "U+202E"), (),
     "\u0627\u0644\u0633\u0639\u0631"),
    ("length", "Text", "x" * 10_001, (), ("10001",), ("10000",), "x" * 10_000),
]


@pytest.mark.parametrize("check_id, source, bad, missing, extra, expected, good", CASES)
def test_each_check_finds_exactly_what_differs(check_id, source, bad, missing, extra, expected, good):
    """A bad translation gives one Finding with the exact missing and extra items; a good one gives none."""
    assert _run(check_id, source, bad) == [Finding(check_id, source, missing, extra, expected)]
    assert _run(check_id, source, good) == []


def test_python_format_applies_to_flagged_messages_and_to_sources_with_directives():
    """A lone % is refused in a python-format message; in other text a % is just a character."""
    assert _run("python-format", "Hundert Prozent", "100 %", flags=("python-format",)) == [
        Finding("python-format", "Hundert Prozent", (), ("%",), ())]
    assert _run("python-format", "Hundert Prozent", "100 %") == []
    assert _run("python-format", "Hundert Prozent", "100 %%", flags=("python-format",)) == []


def test_plural_forms_are_counted_against_the_language():
    """English needs two forms: an empty one is missing, a third one is extra."""
    catalog = _catalog("en")
    both = ("msgstr[0]", "msgstr[1]")
    one_empty = Message(("Ein Eintrag", "%(n)s Einträge"), ("One entry", ""))
    assert checks.check_plurals("", "", one_empty, catalog) == [
        Finding("plurals", "Ein Eintrag", ("msgstr[1]",), (), both)]
    three = Message(("Ein Eintrag", "%(n)s Einträge"), ("One entry", "%(n)s entries", "%(n)s entries"))
    assert checks.check_plurals("", "", three, catalog) == [
        Finding("plurals", "Ein Eintrag", (), ("msgstr[2]",), both)]
    good = Message(("Ein Eintrag", "%(n)s Einträge"), ("One entry", "%(n)s entries"))
    assert checks.check_plurals("", "", good, catalog) == []


def test_completeness_checks_empty_fuzzy_and_missing():
    """Empty (also white space alone), fuzzy and missing entries are findings only when completeness is asked."""
    template = Catalog()
    for msgid in ("Hinweis", "Bildung", "Beispiele", "Neu"):
        template.add(msgid)
    catalog = _catalog("en")
    catalog.add("Hinweis", "")
    catalog.add("Bildung", "  ")
    catalog.add("Beispiele", "Examples", flags=["fuzzy"])
    assert check_catalog(catalog, template, complete=True) == [
        Finding("empty", "Hinweis"), Finding("empty", "Bildung"), Finding("fuzzy", "Beispiele"),
        Finding("missing", "Neu")]
    assert check_catalog(catalog, template) == []


def test_check_message_runs_every_check_and_reports_each_finding_once():
    """A translation with two mistakes gets both findings, in registry order; the header gets none."""
    catalog = _catalog()
    message = Message("Konto %(name)s gelöscht.", " Account %(name)i deleted.")
    assert check_message(message, catalog) == [
        Finding("placeholders", "Konto %(name)s gelöscht.", ("%(name)s",), (), ("%(name)s",)),
        Finding("python-format", "Konto %(name)s gelöscht.", (), ("%(name)i",), ("%(name)s",)),
        Finding("whitespace", "Konto %(name)s gelöscht.", (), (" ",), ()),
    ]
    assert check_message(Message("", "Content-Type: text/plain"), catalog) == []


def test_the_registry_names_every_check_once():
    """The ids callers and messages refer to."""
    assert list(REGISTRY) == ["placeholders", "links", "markup", "python-format", "whitespace", "control", "bidi",
                              "length", "marks", "spoken-length", "plurals", "empty", "fuzzy", "missing", "glossary",
                              "german-runs", "speech-stale", "speech-identical"]
    contextual = ["glossary", "german-runs", "speech-stale", "speech-identical"]
    assert [c.id for c in checks.selection()] == list(REGISTRY)[:11] + contextual
    assert [c.id for c in checks.selection(also=("empty",))] == list(REGISTRY)[:12] + contextual


def test_describe_words_a_finding_in_english():
    """The command line and Babel read the same Finding."""
    finding = Finding("placeholders", "x", ("%(amount)s",), ("%(amont)s",), ("%(amount)s",))
    assert describe(finding) == "placeholders differ: missing %(amount)s, extra %(amont)s"
    assert describe(Finding("python-format", "x", (), ("%",), ("%(date)s",))) == \
        "python-format directives differ or are malformed: missing none, extra or malformed %"
    assert describe(Finding("fuzzy", "x")) == "marked fuzzy (not reviewed)"


def test_babel_checker_raises_translation_error_for_a_bad_message():
    """The babel.checkers hook raises for findings and stays silent for good, empty and header entries."""
    catalog = _catalog("tr")
    with pytest.raises(TranslationError) as raised:
        babel_checker(catalog, Message("Veröffentlicht am %(date)s", "Yayın tarihi: %(date)s %"))
    assert str(raised.value) == "python-format directives differ or are malformed: missing none, extra or malformed %"
    assert babel_checker(catalog, Message("Veröffentlicht am %(date)s", "Yayın tarihi: %(date)s")) is None
    assert babel_checker(catalog, Message("Veröffentlicht am %(date)s", "")) is None
    assert babel_checker(None, Message("", "Content-Type: text/plain")) is None


def test_babel_checker_is_registered_as_an_entry_point():
    """setup.cfg registers the hook (pybabel compile and Catalog.check() run it once the package is installed)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    lines = [ln.strip() for ln in config["options.entry_points"]["babel.checkers"].splitlines() if ln.strip()]
    assert lines == ["herne = service.catalogs.checks:babel_checker"]
    module, _, name = lines[0].split(" = ")[1].partition(":")
    assert getattr(importlib.import_module(module), name) is babel_checker


def test_catalog_check_reports_the_registrys_findings_once_the_hook_is_loaded(monkeypatch):
    """What Babel does with the entry point installed: Catalog.check() yields our TranslationError too."""
    monkeypatch.setattr(babel_checkers, "checkers", [*babel_checkers.checkers, babel_checker])
    catalog = Catalog(locale="tr")
    catalog.add("Veröffentlicht am %(date)s", "Yayın tarihi: %(date)s %")
    catalog.add("Hinweis", "Not")
    [(message, errors)] = list(catalog.check())
    assert message.id == "Veröffentlicht am %(date)s"
    assert "python-format directives differ or are malformed: missing none, extra or malformed %" in map(str, errors)
