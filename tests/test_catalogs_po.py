""".po files: strict parsing, ``#| msgid`` kept through a round trip, atomic saves, template merges under the lock."""
from __future__ import annotations

import threading

import pytest
from babel.messages.catalog import Catalog

from service.catalogs.po import CatalogError, dump_po, lock_name, new_catalog, parse_po, po_path, save_po, update_po
from service.core.locks import FileLocks


def test_syntax_errors_name_their_line():
    """A broken line or a byte that is no UTF-8 is refused with where it is."""
    with pytest.raises(CatalogError, match="line 5") as raised:
        parse_po('msgid "a"\nmsgstr "b"\nmsgid "c"\nmsgstr ""\n"unterminated\n')
    assert raised.value.line == 5
    with pytest.raises(CatalogError, match="UTF-8") as raised:
        parse_po(b'msgid "a"\nmsgstr "\xe4"\n')
    assert raised.value.line == 2


def test_outdated_entry_keeps_its_old_source_through_a_round_trip():
    """The old German text of an outdated entry ("#| msgid") survives reading and writing, once."""
    old = ("Die Zeit der Zechen in Herne ist schon lange Geschichte, heute heben wir andere Ressourcen: "
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


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path):
    """save_po replaces the file whole; nothing but the .po is left in its folder."""
    path = po_path(tmp_path, "en")
    catalog = Catalog(locale="en")
    catalog.add("Hinweis", "Notice")
    save_po(path, catalog)
    assert parse_po(path.read_bytes())["Hinweis"].string == "Notice"
    assert [p.name for p in path.parent.iterdir()] == ["messages.po"]


def test_update_merges_a_template_under_the_catalog_lock(tmp_path):
    """update_po waits for the lock named catalog:<locale>:<domain>; changed sources become outdated."""
    path = po_path(tmp_path, "en")
    template = Catalog()
    template.add("Hinweis")
    template.add("Lernen am Kanal")
    catalog = new_catalog(template, "en")
    catalog["Lernen am Kanal"].string = "Learning by the canal"
    save_po(path, catalog)
    changed = Catalog()
    changed.add("Hinweis")
    changed.add("Lernen am langen Kanal")
    locks = FileLocks(tmp_path / ".locks")
    done = threading.Event()
    with locks.hold(lock_name("en", "messages")):
        worker = threading.Thread(target=lambda: (update_po(path, changed, "en", locks), done.set()))
        worker.start()
        assert not done.wait(0.3)  # blocked while another writer holds the catalog
    worker.join(10)
    assert done.is_set()
    entry = parse_po(path.read_bytes(), "en")["Lernen am langen Kanal"]
    assert entry.fuzzy and entry.string == "Learning by the canal" and entry.previous_id == ["Lernen am Kanal"]
    assert lock_name("tr", "speech") == "catalog:tr:speech"
