"""`flask i18n`: the committed template is current, and the commands work on real catalogs."""
from __future__ import annotations

import threading

from service.catalogs import load_po, po_path, save_po
from service.catalogs.extract import build_template, pot_bytes
from service.i18n import get_i18n


def test_committed_template_is_up_to_date(runner):
    """`flask i18n extract --check` passes on the repository (CI fails when messages.pot is stale)."""
    result = runner.invoke(args=["i18n", "extract", "--check"])
    assert result.exit_code == 0, result.output


def test_extractor_yields_every_content_block():
    """Every heading, paragraph, list item and link text of the content is a message, with its page named."""
    template = build_template("messages")
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template}
    assert "Stadt der Talente" in ids
    assert "Beispiel: Herner Talentschulen" in ids
    assert "Website des TalentKollegs Ruhr (tkr-herne.de)" in ids
    assert any(i.startswith("Hierbei spielen insbesondere") and "%(amount)s" in i for i in ids)
    assert "Zum Inhalt springen" in ids  # a template string
    assert "Diese Seite gibt es nicht." in ids  # an error message from Python code
    entry = template["Stadt der Talente"]
    assert any("page 'index'" in c for c in entry.auto_comments)
    assert ("content/index.md", 10) in entry.locations
    description = next(m for m in template if m.id.startswith("Bildung in Herne: wie die Stadt"))
    assert any("description of page 'index'" in c for c in description.auto_comments)


def test_update_marks_changed_source_as_outdated(runner, app, tmp_path, translations_dir):
    """When a German text changes, update keeps the old translation as fuzzy (outdated); pages keep showing it,
    marked outdated; check passes and lists it as waiting; only --complete fails on it."""
    en = load_po(po_path(translations_dir, "en"), "en")
    en["Stadt der Talente"].string = "City of Talents"
    save_po(po_path(translations_dir, "en"), en)
    template = build_template("messages")
    old = "Stadt der Talente"
    msg = template[old]
    template.delete(old)
    template.add("Stadt der vielen Talente", None, msg.locations, auto_comments=msg.auto_comments)
    pot = translations_dir / "messages.pot"
    pot.write_bytes(pot_bytes(template))
    result = runner.invoke(args=["i18n", "update", "--locale", "en", "--domain", "messages"])
    assert result.exit_code == 0, result.output
    catalog = load_po(po_path(translations_dir, "en"), "en")
    entry = catalog["Stadt der vielen Talente"]
    assert entry.fuzzy and entry.string == "City of Talents"
    assert entry.previous_id == [old]
    result = runner.invoke(args=["i18n", "check", "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert "en/messages: ok (1 outdated waiting for translators)" in result.output
    result = runner.invoke(args=["i18n", "check", "--locale", "en", "--complete"])
    assert result.exit_code == 1
    assert f"{po_path(translations_dir, 'en')}: 'Stadt der vielen Talente': marked fuzzy (not reviewed)\n" \
        in result.output
    assert result.output.endswith("Error: 1 problem(s)\n")
    with app.app_context():
        localized = get_i18n().localize("Stadt der vielen Talente", "en")
    assert (localized.text, localized.status) == ("City of Talents", "outdated")  # the exact text survives


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
