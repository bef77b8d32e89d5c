"""`flask i18n`: the committed template is current, and the commands work on real catalogs."""
from __future__ import annotations

import re
import threading

import pytest
from babel.messages.catalog import Catalog
from click.testing import Result

from service.catalogs import load_po, po_path, save_po
from service.catalogs.extract import build_template, pot_bytes
from service.content import parse_page
from service.i18n import get_i18n

from .site_support import REAL_CONTENT


@pytest.mark.real_content
def test_committed_template_is_up_to_date(runner):
    """`flask i18n extract --check` passes on the repository (CI fails when messages.pot is stale)."""
    result = runner.invoke(args=["i18n", "extract", "--check"])
    assert result.exit_code == 0, result.output


@pytest.mark.real_content
def test_extractor_yields_every_content_block():
    """Every heading, paragraph, list item, link text and description of content/ is a message, at its line."""
    template = build_template("messages")
    pages = [(path, parse_page(path.read_text(encoding="utf-8"), path.name)) for path in REAL_CONTENT.glob("*.md")]
    assert pages
    for path, page in pages:
        for block in page.blocks:
            entry = template[block.msgid]
            assert (f"content/{path.name}", block.lineno) in entry.locations, (path.name, block.msgid)
            assert any(f"page '{page.slug}', {block.tag}" in c for c in entry.auto_comments)
        if page.description:
            description = template[page.description]
            assert any(f"description of page '{page.slug}'" in c for c in description.auto_comments)
    assert any(b.href for _, page in pages for b in page.blocks)  # link texts were among them
    assert "Zum Inhalt springen" in template  # a template string
    assert "Diese Seite gibt es nicht." in template  # an error message from Python code


def _template_of(catalog: Catalog) -> Catalog:
    """A template holding every entry of a catalog (untranslated), independent of content/."""
    template = Catalog()
    for message in catalog:
        if message.id:
            template.add(message.id, None, message.locations, flags=set(message.flags) - {"fuzzy"},
                         auto_comments=message.auto_comments, context=message.context)
    return template


def _count(pattern: str, result: Result) -> int:
    """A number a command printed (0 when it printed none)."""
    found = re.search(pattern, result.output)
    return int(found.group(1)) if found else 0


def test_update_marks_changed_source_as_outdated(runner, app, tmp_path, translations_dir):
    """When a German text changes, update keeps the old translation as fuzzy (outdated); pages keep showing it,
    marked outdated; check passes and lists it as waiting; only --complete fails on it."""
    # What the shipped catalog waits for already (outdated entries after an editor's change): counted, not assumed.
    waiting = _count(r"en/messages: ok \((\d+) outdated", runner.invoke(args=["i18n", "check", "--locale", "en"]))
    problems = _count(r"Error: (\d+) problem", runner.invoke(args=["i18n", "check", "--locale", "en", "--complete"]))
    en = load_po(po_path(translations_dir, "en"), "en")
    old = "Lernen am Kanal"  # the fixture overview's h1
    assert en[old].string == "Learning by the canal"
    template = _template_of(en)
    msg = template[old]
    template.delete(old)
    template.add("Lernen am großen Kanal", None, msg.locations, auto_comments=msg.auto_comments)
    pot = translations_dir / "messages.pot"
    pot.write_bytes(pot_bytes(template))
    result = runner.invoke(args=["i18n", "update", "--locale", "en", "--domain", "messages"])
    assert result.exit_code == 0, result.output
    catalog = load_po(po_path(translations_dir, "en"), "en")
    entry = catalog["Lernen am großen Kanal"]
    assert entry.fuzzy and entry.string == "Learning by the canal"
    assert entry.previous_id == [old]
    result = runner.invoke(args=["i18n", "check", "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert f"en/messages: ok ({waiting + 1} outdated waiting for translators)" in result.output
    result = runner.invoke(args=["i18n", "check", "--locale", "en", "--complete"])
    assert result.exit_code == 1
    assert f"{po_path(translations_dir, 'en')}: 'Lernen am großen Kanal': marked fuzzy (not reviewed)\n" \
        in result.output
    assert result.output.endswith(f"Error: {problems + 1} problem(s)\n")
    with app.app_context():
        localized = get_i18n().localize("Lernen am großen Kanal", "en")
    assert (localized.text, localized.status) == ("Learning by the canal", "outdated")  # the exact text survives


def test_compile_refuses_a_broken_catalog_and_keeps_its_mo(runner, translations_dir):
    """A lone % in a python-format translation: the finding in English, exit 1, the old .mo stays."""
    po = po_path(translations_dir, "tr")
    catalog = load_po(po, "tr")
    catalog["Veröffentlicht am %(date)s"].string = "Yayın tarihi: %(date)s %"
    save_po(po, catalog)
    mo = po.with_suffix(".mo")
    before = mo.read_bytes()
    result = runner.invoke(args=["i18n", "compile", "--locale", "tr", "--domain", "messages"])
    assert result.exit_code == 1
    assert result.output == (f"{po}: 'Veröffentlicht am %(date)s': python-format directives differ or are "
                             "malformed: missing none, extra or malformed %\n"
                             "Error: 1 catalog(s) NOT compiled; their previous .mo stays\n")
    assert mo.read_bytes() == before


def test_compile_and_stats(runner, translations_dir):
    """compile writes every .mo; stats prints a line per locale."""
    for mo in translations_dir.glob("*/LC_MESSAGES/*.mo"):
        mo.unlink()
    result = runner.invoke(args=["i18n", "compile"])
    assert result.exit_code == 0, result.output
    assert (translations_dir / "ar" / "LC_MESSAGES" / "messages.mo").exists()
    result = runner.invoke(args=["i18n", "stats"])
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()[1:]] == ["en", "tr", "ar", "pl", "uk", "ro", "ru"]


def test_init_refuses_unknown_and_existing_locales(runner):
    """init says clearly what is wrong instead of overwriting work."""
    result = runner.invoke(args=["i18n", "init", "xx-garbage!"])
    assert result.exit_code != 0 and "unknown locale" in result.output
    result = runner.invoke(args=["i18n", "init", "tr"])
    assert result.exit_code != 0 and "exists already" in result.output


def test_update_waits_for_the_catalog_lock_the_workbench_takes(app, runner, translations_dir):
    """`flask i18n update` holds "catalog:<locale>:<domain>" of the app's locks, like every other writer."""
    # A template with the catalog's own entries: the update changes nothing (the committed one would drop the
    # fixture pages' entries, and an editor's change would add outdated ones), so its whole output is known.
    en = load_po(po_path(translations_dir, "en"), "en")
    (translations_dir / "messages.pot").write_bytes(pot_bytes(_template_of(en)))
    results = []
    with app.extensions["locks"].hold("catalog:en:messages"):
        worker = threading.Thread(target=lambda: results.append(
            runner.invoke(args=["i18n", "update", "--locale", "en", "--domain", "messages"])))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and not results  # waiting for the workbench's save to finish
    worker.join(30)
    assert results[0].exit_code == 0, results[0].output
    assert results[0].output == f"updated {po_path(translations_dir, 'en')}\n"
