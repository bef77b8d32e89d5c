"""`flask mt fill` and `flask mt status` on real catalogs with Babel."""
from __future__ import annotations

import threading
from pathlib import Path

from service import catalogs


def _po(mt_config, locale: str) -> Path:
    """The test copy of a locale's messages.po."""
    return catalogs.po_path(mt_config["BABEL_TRANSLATION_DIRECTORIES"], locale)


def test_fill_writes_fuzzy_machine_entries_and_keeps_human_ones(mt_app, mt_config):
    """Empty entries get fuzzy suggestions with an engine/model comment; human ones stay byte for byte."""
    path = _po(mt_config, "en")
    catalog = catalogs.load_po(path, "en")
    # Keyed with the context: one German word may be two entries ("Ihre Rechte": GDPR rights, permissions).
    human = {(m.id, m.context): m.string for m in catalog if m.id and catalogs.status_of(m) == "human"}
    # Entries whose only word the tiny model knows is "Stadt" (it also knows "Schule").
    stadt = [m for m in catalog if m.id and "Stadt" in m.id and "Schul" not in m.id and not m.pluralizable]
    for m in stadt[:2]:  # make two entries untranslated, as after `flask i18n update`
        m.string = ""
        human.pop((m.id, m.context), None)
    outdated = next(m for m in catalog if m.id and (m.id, m.context) in human and m.id not in [s.id for s in stadt[:2]])
    outdated.flags.add("fuzzy")  # an outdated human translation: never overwritten
    catalogs.save_po(path, catalog)

    result = mt_app.test_cli_runner().invoke(args=["mt", "fill", "en"])
    assert result.exit_code == 0, result.output
    assert "fuzzy machine suggestions" in result.output
    filled = catalogs.load_po(path, "en")
    for m in stadt[:2]:
        entry = filled[m.id]
        assert entry.fuzzy and catalogs.is_machine(entry)
        assert entry.string == m.id.replace("Stadt", "City")
        assert any("argos" in c and "translate-de_en@0.1" in c for c in entry.user_comments)
    for (msgid, context), string in human.items():
        if msgid != outdated.id:
            entry = filled.get(msgid, context)
            assert entry.string == string and not catalogs.is_machine(entry)
    assert filled[outdated.id].string == outdated.string and catalogs.status_of(filled[outdated.id]) == "outdated"
    # A compiled catalog leaves fuzzy entries out: the page keeps showing them as machine-made.
    assert catalogs.status_of(filled[stadt[0].id]) == "machine"

    again = mt_app.test_cli_runner().invoke(args=["mt", "fill", "en"])
    assert again.exit_code == 0
    assert catalogs.load_po(path, "en")[stadt[0].id].string == stadt[0].id.replace("Stadt", "City")


def test_fill_refuses_locale_without_model(mt_app):
    """No model route: a clear error, no file touched."""
    result = mt_app.test_cli_runner().invoke(args=["mt", "fill", "tr"])
    assert result.exit_code != 0 and "cannot translate into tr" in result.output


def test_status_lists_models_locales_and_cache(mt_app):
    """Status names the engine, the models, reachable locales and cache counts."""
    mt_app.extensions["mt"].translate_now(["Die Stadt."], "fr")
    out = mt_app.test_cli_runner().invoke(args=["mt", "status"]).output
    assert "engine: argos (available)" in out
    assert "model de->en: translate-de_en@0.1" in out
    assert "locales from de: en, fr" in out
    assert "fr: ok 1" in out


def test_warm_translates_all_content(mt_config, tmp_path):
    """`flask mt warm fr` caches every content message at once (a small content folder keeps it quick)."""
    from service import create_app

    content = tmp_path / "content"
    content.mkdir()
    (content / "index.md").write_text("---\nnav: Start\nkind: overview\n---\n# Die Stadt\n\nDie Schule der Stadt.\n",
                                      encoding="utf-8")
    app = create_app({**mt_config, "CONTENT_DIR": str(content)})
    app.extensions["mt"].engine.reload()
    result = app.test_cli_runner().invoke(args=["mt", "warm", "fr"])
    assert result.exit_code == 0, result.output
    assert "fr: 3 of 3 messages cached" in result.output
    service = app.extensions["mt"]
    found = service.lookup(["Die Schule der Stadt."], "fr", schedule=False)
    assert found["Die Schule der Stadt."].text == "Die School der Ville."


class RecordingLocks:
    """The app's locks, noting each name asked for before waiting for it."""

    def __init__(self, inner):
        """Wrap a Locks object."""
        self.inner = inner
        self.asked = threading.Event()
        self.names: list[str] = []

    def hold(self, name: str, timeout: float | None = None):
        """Note the name, then hold the lock."""
        self.names.append(name)
        self.asked.set()
        return self.inner.hold(name, timeout)


def test_fill_writes_under_the_apps_catalog_lock(mt_app, mt_config):
    """`flask mt fill` waits for "catalog:<locale>:messages" of the app's locks before it writes."""
    path = _po(mt_config, "en")
    catalog = catalogs.load_po(path, "en")
    next(m for m in catalog if m.id and "Stadt" in m.id and not m.pluralizable).string = ""
    catalogs.save_po(path, catalog)
    before = path.read_bytes()
    locks = mt_app.extensions["locks"] = RecordingLocks(mt_app.extensions["locks"])
    results = []
    with locks.inner.hold("catalog:en:messages"):
        worker = threading.Thread(target=lambda: results.append(
            mt_app.test_cli_runner().invoke(args=["mt", "fill", "en"])))
        worker.start()
        assert locks.asked.wait(60)
        worker.join(0.3)
        assert locks.names == ["catalog:en:messages"]
        assert worker.is_alive() and path.read_bytes() == before  # translated, waiting to write
    worker.join(60)
    assert results[0].exit_code == 0, results[0].output
    assert path.read_bytes() != before
