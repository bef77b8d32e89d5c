"""Finding 4: a save killed with SIGKILL at any moment leaves .po, .mo and audit log agreeing after the next start."""
from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time

from babel.support import Translations
from sqlalchemy import select

from service import catalogs, create_app, db
from service.db.schema import wb_audit, wb_intents
from service.workbench import store as store_module
from service.workbench.entries import entry_key
from service.workbench.store import Store

CTX = multiprocessing.get_context("fork")


def _key(directory) -> str:
    """The workbench key of "Hinweis"."""
    return entry_key(catalogs.load_po(catalogs.po_path(directory, "en"), "en").get("Hinweis"))


def _die() -> None:
    """Die like a worker killed by the OOM killer."""
    os.kill(os.getpid(), signal.SIGKILL)


def _writer(directory: str, database: str, texts: list[str], kill_at: str | None) -> None:
    """A child process: save each text in turn; with ``kill_at``, die at that moment of the first save."""
    if kill_at == "before-rename":
        real_fsync = os.fsync
        os.fsync = lambda fd: (real_fsync(fd), _die())  # the temporary file is written, not yet renamed
    elif kill_at == "after-rename":
        real_replace = os.replace
        os.replace = lambda a, b: (real_replace(a, b), _die())  # the new .po is in place, no audit row yet
    elif kill_at == "before-compile":
        store_module.catalogs.compile_po = lambda *a, **k: _die()  # audit row written, .mo still old
    store = Store(directory)
    conn = db.connect(database)
    key = _key(directory)
    for text in texts:
        entry = store.get("en", key)
        store.save(conn, "en", key, (text,), entry.revision, True, "killed")
    while True:  # every writer ends by SIGKILL: a late kill finds it done, which is one more moment to test
        time.sleep(60)


def _run(app, texts: list[str], kill_at: str | None = None, after: float | None = None) -> None:
    """Run a writer and see it die (by its own hand, or ``after`` seconds by ours)."""
    child = CTX.Process(target=_writer, args=(app.config["BABEL_TRANSLATION_DIRECTORIES"], app.config["DATABASE"],
                                              texts, kill_at))
    child.start()
    if after is not None:
        time.sleep(after)  # a random moment to kill at, not a wait for anything
        os.kill(child.pid, signal.SIGKILL)
    child.join(60)
    hung = child.is_alive()
    if hung:  # never leave a writer behind
        child.kill()
        child.join()
    assert not hung and child.exitcode == -signal.SIGKILL


def _state(app) -> tuple[str, str, list[str], int]:
    """The text of "Hinweis" in the .po and in the .mo, the audit log's texts for it, and open intents."""
    directory = app.config["BABEL_TRANSLATION_DIRECTORIES"]
    po_text = catalogs.load_po(catalogs.po_path(directory, "en"), "en").get("Hinweis").string
    mo_text = Translations.load(str(directory), ["en"]).ugettext("Hinweis")
    with db.connect(app) as conn:
        audited = [r.new for r in conn.execute(select(wb_audit).where(wb_audit.c.msgid == "Hinweis")
                                               .order_by(wb_audit.c.id))]
        intents = len(conn.execute(select(wb_intents)).all())
    return po_text, mo_text, audited, intents


def _restart(app):
    """Start the app again on the same files and database, as gunicorn does after a worker died."""
    return create_app({**app.config})


def test_killed_after_the_rename_is_completed_at_start(app):
    """The .po already holds the change: the next start writes its audit row and recompiles the .mo."""
    _run(app, ["Killed after rename"], "after-rename")
    po_text, mo_text, audited, intents = _state(app)
    assert (po_text, mo_text, audited, intents) == ("Killed after rename", "Notice", [], 1)  # the finding
    assert _state(_restart(app)) == ("Killed after rename", "Killed after rename", ["Killed after rename"], 0)


def test_killed_before_the_rename_is_rolled_back_and_swept(app, translations_dir):
    """The .po is untouched: the intent goes, and the dead writer's temporary file is swept."""
    _run(app, ["Killed before rename"], "before-rename")
    stale = list(translations_dir.rglob(".messages.po.*.tmp"))
    assert len(stale) == 1
    old = time.time() - 3600
    os.utime(stale[0], (old, old))
    assert _state(app) == ("Notice", "Notice", [], 1)
    assert _state(_restart(app)) == ("Notice", "Notice", [], 0)
    assert not stale[0].exists()


def test_killed_before_compiling_gets_its_mo_at_start(app):
    """The audit row is written but the .mo is old: the next start compiles it, so readers see what was saved."""
    _run(app, ["Killed before compile"], "before-compile")
    assert _state(app) == ("Killed before compile", "Notice", ["Killed before compile"], 0)
    assert _state(_restart(app)) == ("Killed before compile",) * 2 + (["Killed before compile"], 0)


def test_killed_at_random_moments_always_reconciles(app):
    """Twelve writers killed at random moments: after each restart, .po, .mo and the newest audit row agree."""
    rng = random.Random(10)
    texts = [f"Notice {i}" for i in range(300)]
    for attempt in range(12):
        _run(app, texts[attempt * 25:(attempt + 1) * 25], after=rng.uniform(0.05, 0.6))
        po_text, mo_text, audited, intents = _state(_restart(app))
        assert intents == 0 and po_text == mo_text, attempt
        assert (audited[-1] if audited else "Notice") == po_text, attempt
