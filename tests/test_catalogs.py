"""The shipped catalogs: complete, reviewed, and consistent with their source."""
from __future__ import annotations

import pytest

from service.catalogs import CatalogError, check_catalog, check_pair, compile_po, load_po, parse_po, po_path
from service.config import ROOT, SHIPPED_LOCALES

TRANSLATED = [loc for loc in SHIPPED_LOCALES if loc != "de"]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_is_complete_reviewed_and_consistent(locale):
    """100 % translated, nothing fuzzy, placeholders and markup as in the source."""
    template = load_po(ROOT / "translations" / "messages.pot")
    catalog = load_po(po_path(ROOT / "translations", locale), locale)
    problems = check_catalog(catalog, template, require_complete=True)
    assert not problems, "\n".join(f"{p.msgid[:50]!r}: {p.text}" for p in problems[:20])
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_has_the_right_plural_forms(locale):
    """The header's plural rule is the locale's own (Arabic has six forms)."""
    catalog = load_po(po_path(ROOT / "translations", locale), locale)
    expected = {"en": 2, "tr": 2, "ar": 6, "pl": 3, "uk": 3, "ro": 3, "ru": 3}[locale]
    assert catalog.num_plurals == expected


@pytest.mark.parametrize(
    "msgid, msgstr, problem",
    [
        ("rund %(amount)s investieren", "about invest", "placeholders differ"),
        ("rund %(amount)s investieren", "about %(amont)s", "placeholders differ"),
        ("Siehe [Seite](https://inherne.net/a/)", "See [page](https://evil.example/)", "links differ"),
        ("Ein <b>Wort</b>", "A word", "markup differs"),
        ("Text", " Text ", "white space"),
    ],
)
def test_checks_catch_broken_translations(msgid, msgstr, problem):
    """Placeholder, link, markup and white-space mistakes are each reported."""
    assert any(problem in p for p in check_pair(msgid, msgstr))


def test_a_correct_translation_passes_the_checks():
    """A translation that keeps placeholders and links has no problem."""
    assert check_pair("rund %(amount)s, [Seite](https://inherne.net/a/)", "about %(amount)s, [page](https://inherne.net/a/)") == []


def test_broken_po_is_rejected_and_keeps_the_old_mo(tmp_path):
    """A syntax error is reported with its line; a catalog with a bad placeholder is not compiled over the old .mo."""
    with pytest.raises(CatalogError, match="line"):
        parse_po('msgid "a"\nmsgstr "b"\nmsgid "c"\nmsgstr ""\n"unterminated\n')
    with pytest.raises(CatalogError, match="UTF-8"):
        parse_po(b'msgid "a"\nmsgstr "\xe4"\n')
    po = tmp_path / "messages.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  '#, python-format\nmsgid "rund %(amount)s"\nmsgstr "about %(amount)s"\n', encoding="utf-8")
    mo = compile_po(po)
    good = mo.read_bytes()
    po.write_text(po.read_text().replace('"about %(amount)s"', '"about"'), encoding="utf-8")
    with pytest.raises(CatalogError, match="placeholders"):
        compile_po(po)
    assert mo.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_outdated_entry_keeps_its_old_source_through_a_round_trip():
    """The old German text of an outdated entry ("#| msgid") survives reading and writing, once."""
    from babel.messages.catalog import Catalog

    from service.catalogs import dump_po

    old = ("Die Zeit des Bergbaus in Herne ist schon lange Geschichte, heute heben wir andere Ressourcen: "
           "die Talente der Menschen in unserer „Stadt“ und \"anderswo\".")
    new = old.replace("schon lange", "längst")
    catalog = Catalog(locale="en")
    catalog.add(old, "The mining era in Herne is long gone.")
    template = Catalog()
    template.add(new)
    catalog.update(template, no_fuzzy_matching=False)
    text = dump_po(catalog)
    again = parse_po(text)
    assert again[new].previous_id == [old]  # long and with quotes: Babel alone would break it
    assert dump_po(again) == text
    assert text.count(b"schon lange") == 1
