"""MT in the real app: served locales, pending then machine pages, marking, human entries win, 404s, failures."""
from __future__ import annotations

import re


def blocks(html: str) -> dict[str, str]:
    """Block id -> its opening tag and text."""
    return {m.group(2): m.group(0) for m in re.finditer(r'<(h1|h2|h3|p|li) id="(b\d+)"[^>]*>.*?</\1>', html, re.S)}


def test_mt_locale_is_served_and_unknown_is_404(mt_client):
    """fr (reachable via en) gets pages and a switcher entry; a locale without model or catalog is a 404."""
    assert mt_client.get("/fr/").status_code == 200
    assert 'hreflang="fr"' in mt_client.get("/de/").get_data(as_text=True)
    assert mt_client.get("/xx/").status_code == 404
    assert mt_client.get("/tr/").status_code == 200  # human catalog, no model: still served


def test_first_request_pending_then_machine_translated(mt_app, mt_client):
    """German with a 'being prepared' notice first; after the worker ran, the translation, marked as machine-made."""
    first = mt_client.get("/fr/werkstatt").get_data(as_text=True)
    b = blocks(first)
    assert 'lang="de"' in b["b1"] and "status-pending" in b["b1"]
    assert "wird vorbereitet" in first and "neu" in first
    assert mt_app.extensions["mt"].wait(60)

    page = mt_client.get("/fr/werkstatt").get_data(as_text=True)
    b = blocks(page)
    assert '<html lang="fr"' in page
    assert "status-machine" in b["b2"] and 'lang="de"' not in b["b2"]
    assert "Werkstatt der Ville ist" in b["b2"]  # Stadt -> City -> Ville through the pivot
    assert "Realschule Crange" in b["b2"]  # glossary term untouched
    assert "wird vorbereitet" not in page
    notice = re.search(r'<div class="mt-notice" role="note">.*?</div>', page, re.S).group(0)
    assert '<p lang="de">Diese Seite wurde maschinell übersetzt' in notice
    assert 'href="/de/werkstatt"' in notice


def test_placeholders_filled_after_mt(mt_app, mt_client):
    """A block with %(amount)s is translated with the placeholder kept, then filled for the locale."""
    mt_client.get("/fr/")
    assert mt_app.extensions["mt"].wait(60)
    page = mt_client.get("/fr/").get_data(as_text=True)
    amount = next(v for v in blocks(page).values() if "für neue Räume" in v)  # "Die Stadt gibt %(amount)s …"
    assert "%(" not in amount and "status-machine" in amount and "Ville gibt 3" in amount


def test_human_catalog_entry_wins(mt_app):
    """A reviewed catalog entry is used even when a machine translation of it is cached."""
    i18n = mt_app.extensions["i18n"]
    service = mt_app.extensions["mt"]
    human = next(m for m in i18n.po_messages("en").values()
                 if m.id and isinstance(m.string, str) and m.string and not m.fuzzy and "Stadt" in m.id)
    service.translate_now([human.id], "en")
    assert service.lookup([human.id], "en")[human.id].status == "machine"
    with mt_app.test_request_context("/en/"):
        found = i18n.localize(human.id, "en")
    assert (found.text, found.status) == (human.string, "human")


def test_missing_catalog_entry_falls_back_to_mt(mt_app):
    """A message a catalog lacks is machine-translated for that locale."""
    i18n = mt_app.extensions["i18n"]
    with mt_app.test_request_context("/en/"):
        assert i18n.localize("Eine neue Stadt.", "en").status == "pending"
        assert mt_app.extensions["mt"].wait(30)
        found = i18n.localize("Eine neue Stadt.", "en")
    assert (found.text, found.lang, found.status) == ("Eine neue City.", "en", "machine")


def test_revision_changes_when_translation_lands(mt_app):
    """The page cache key changes once the worker stored translations."""
    i18n = mt_app.extensions["i18n"]
    before = i18n.revision("fr")
    with mt_app.test_request_context("/fr/"):
        i18n.localize("Noch eine Stadt.", "fr")
    assert mt_app.extensions["mt"].wait(30)
    assert i18n.revision("fr") != before


def test_failing_model_keeps_german_with_notice(mt_config, private_packages):
    """A model that cannot load: the page stays German with a notice and is never a 500."""
    from service import create_app

    (private_packages / "translate-en_fr" / "model" / "model.bin").write_bytes(b"broken")
    app = create_app({**mt_config, "MT_PACKAGES_DIR": str(private_packages)})
    app.extensions["mt"].engine.reload()
    client = app.test_client()
    assert client.get("/fr/werkstatt").status_code == 200
    assert app.extensions["mt"].wait(60)
    response = client.get("/fr/werkstatt")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'lang="de"' in blocks(page)["b2"]
    assert "zurzeit gestört" in page and "wird vorbereitet" in page
    assert app.extensions["mt"].cache.stats() == {}


def test_app_without_argostranslate(app_config, packages_dir, tmp_path, monkeypatch):
    """Without the optional extra the app runs, MT locales are 404 and `flask mt status` says why."""
    import sys

    from service import create_app

    monkeypatch.setitem(sys.modules, "argostranslate", None)
    app = create_app({**app_config, "MT_PACKAGES_DIR": str(packages_dir)})
    client = app.test_client()
    assert client.get("/de/").status_code == 200
    assert client.get("/fr/").status_code == 404
    result = app.test_cli_runner().invoke(args=["mt", "status"])
    assert "unavailable: argostranslate is not installed" in result.output
