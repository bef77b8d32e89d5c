"""Catalog safety, real processes: serialized writers, a writer killed mid-save, outdated status on source change."""
from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import time

from babel.support import Translations

from service import catalogs, db
from service.catalogs.extract import build_template
from service.config import ROOT
from service.core.locks import FileLocks
from service.db.schema import wb_audit
from service.workbench.entries import entry_key
from service.workbench.store import Store

from .site_support import FIXTURE_CONTENT
from .workbench_support import count, login, make_user
from .workbench_support import entry_key as find_key

CTX = multiprocessing.get_context("fork")


def _key(directory, msgid: str) -> str:
    """The workbench key of a message."""
    catalog = catalogs.load_po(catalogs.po_path(directory, "en"), "en")
    return entry_key(catalog.get(msgid))


def _writer(directory: str, database: str, msgid: str, texts: list[str], die_at_fsync: bool = False) -> None:
    """A child process: save each text in turn, always on the current revision."""
    if die_at_fsync:
        real_fsync = os.fsync

        def fsync_then_die(fd: int) -> None:
            """Sync, then die like a worker killed by the OOM killer."""
            real_fsync(fd)
            os.kill(os.getpid(), signal.SIGKILL)  # after the temporary file is written, before it replaces the .po

        os.fsync = fsync_then_die
    store = Store(directory)
    conn = db.connect(database)  # a connection of this process's own
    key = _key(directory, msgid)
    for text in texts:
        entry = store.get("en", key)
        store.save(conn, "en", key, (text,), entry.revision, True, f"proc-{os.getpid()}")
    os._exit(0)


def test_writes_are_serialized_across_processes(app, translations_dir):
    """Two processes saving different entries of one catalog at once lose nothing."""
    a = [f"Notice {i}" for i in range(8)]
    b = [f"Learning by the canal {i}" for i in range(8)]
    procs = [CTX.Process(target=_writer, args=(str(translations_dir), app.config["DATABASE"], msgid, texts))
             for msgid, texts in (("Hinweis", a), ("Lernen am Kanal", b))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    catalog = catalogs.load_po(catalogs.po_path(translations_dir, "en"), "en")
    assert catalog.get("Hinweis").string == a[-1]
    assert catalog.get("Lernen am Kanal").string == b[-1]
    assert count(app, wb_audit) == 16


def _check_whole(directory, allowed: set[str]) -> None:
    """The .po parses, the entry holds one of the allowed texts, and the .mo loads."""
    po = catalogs.po_path(directory, "en")
    catalog = catalogs.load_po(po, "en")
    assert catalog.get("Hinweis").string in allowed
    assert len([m for m in catalog if m.id]) > 100
    Translations.load(str(directory), ["en"]).ugettext("Hinweis")


def test_killed_in_the_middle_of_a_save(app, translations_dir):
    """SIGKILL right after the temporary file is written: the old catalog stays and the lock is free again."""
    po = catalogs.po_path(translations_dir, "en")
    before = po.read_bytes()
    child = CTX.Process(target=_writer, args=(str(translations_dir), app.config["DATABASE"], "Hinweis", ["Killed"],
                                              True))
    child.start()
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    assert po.read_bytes() == before
    _check_whole(translations_dir, {"Notice"})
    # The dead process's lock went with it, and its audit row was never committed.
    with FileLocks(translations_dir / ".locks").hold(catalogs.lock_name("en", "messages"), timeout=5):
        pass
    assert count(app, wb_audit) == 0
    store = Store(translations_dir)
    entry = store.get("en", _key(translations_dir, "Hinweis"))
    with db.connect(app) as conn:
        store.save(conn, "en", entry.key, ("After",), entry.revision, True, "t")
    _check_whole(translations_dir, {"After"})


def test_killed_at_random_moments(app, translations_dir):
    """Writers killed at random points of a run of saves leave the old or a new catalog, never a broken one."""
    rng = random.Random(5)
    texts = [f"Notice {i}" for i in range(200)]
    for _ in range(6):
        child = CTX.Process(target=_writer, args=(str(translations_dir), app.config["DATABASE"], "Hinweis", texts))
        child.start()
        time.sleep(rng.uniform(0.05, 0.4))
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
        _check_whole(translations_dir, {"Notice", "After", *texts})


def test_outdated_when_the_german_source_changes(app_config, tmp_path, translations_dir):
    """Change a content file, run extract and update in-process: the entry turns outdated everywhere."""
    from service import create_app

    root = tmp_path / "project"
    shutil.copytree(FIXTURE_CONTENT, root / "content")
    (root / "service").symlink_to(ROOT / "service")
    app = create_app({**app_config, "CONTENT_DIR": str(root / "content")})
    old = "Diese Seiten zeigen, wie Lernen in der Stadt aussieht"
    new = "Diese Seiten zeigen, wie das Lernen in der Stadt aussieht"
    index = root / "content" / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    old_full = next(m.id for m in catalogs.load_po(catalogs.po_path(translations_dir, "en"))
                if isinstance(m.id, str) and m.id.startswith(old))
    new_full = old_full.replace(old, new)
    po = catalogs.po_path(translations_dir, "en")
    with app.app_context():
        template = build_template("messages", root=root)
        assert template.get(new_full) is not None
        catalogs.update_po(po, template, "en", app.extensions["locks"])  # takes the catalog lock itself
        catalogs.compile_po(po)
    app.extensions["content"].reload()
    entry = catalogs.load_po(po, "en").get(new_full)
    assert entry.fuzzy and entry.string.startswith("These pages show what learning")
    assert catalogs.status_of(entry) == "outdated"
    make_user(app, "anna")
    client = app.test_client()
    login(client, "anna")
    listing = client.get("/translate/en/?status=outdated").text
    assert new in listing
    editor = client.get(f"/translate/en/entry/{find_key(client, 'en', new)}").text
    assert "ungeprüft oder veraltet" in editor and "These pages show what learning" in editor
    page = app.test_client().get("/en/").text
    assert 'class="block status-outdated" data-block="b2"' in page
    assert 'class="block-mark mark-outdated"' in page
