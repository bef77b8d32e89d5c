"""Catalog saves that survive ``kill -9``: the intent is recorded before the rename, and finished or undone later.

A save (1) records the .po it is about to write (its SHA-256) and its audit rows in wb_intents,
(2) renames the new .po into place, (3) writes the audit rows and deletes the intent in one
transaction, (4) compiles the .mo. A process killed between two steps leaves an intent, or a
.mo older than its .po; :func:`reconcile` (at start-up, and before every save under the
catalog's lock) completes the intent when the file is in place and drops it when it is not,
recompiles stale .mo files, and sweeps the temporary files of interrupted writes.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict
from pathlib import Path

from flask import Flask
from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from .. import catalogs, db
from ..core.files import sweep_temp
from ..core.locks import Locks, LockTimeout
from ..db.schema import wb_intents
from . import audit

log = logging.getLogger(__name__)
#: A temporary file older than this belongs to no running write (a save takes well under a second).
STALE_TMP_SECONDS = 300.0
#: How long start-up waits for a catalog's lock before it leaves that catalog to the next save.
LOCK_WAIT = 30.0


def sha256(data: bytes) -> str:
    """The hash an intent records of the .po it writes."""
    return hashlib.sha256(data).hexdigest()


def begin(conn: Connection, locale: str, domain: str, data: bytes, changes: list[audit.Change]) -> int:
    """Record that ``data`` is about to become the catalog, with the audit rows of the change; return its id."""
    with db.transaction(conn):
        result = conn.execute(insert(wb_intents).values(
            locale=locale, domain=domain, po_sha256=sha256(data),
            changes=json.dumps([asdict(c) for c in changes], ensure_ascii=False),
        ))
    return db.inserted_id(result)


def complete(conn: Connection, intent_id: int, changes: list[audit.Change]) -> None:
    """The file is in place: write the audit rows and forget the intent, together."""
    with db.transaction(conn):
        audit.insert(conn, changes)
        conn.execute(delete(wb_intents).where(wb_intents.c.id == intent_id))


def abandon(conn: Connection, intent_id: int) -> None:
    """The file was not written: forget the intent."""
    with db.transaction(conn):
        conn.execute(delete(wb_intents).where(wb_intents.c.id == intent_id))


def settle(conn: Connection, po: Path, locale: str, domain: str) -> list[str]:
    """Finish or undo the open intents of one catalog (its lock held); return what was done, for the log."""
    done: list[str] = []
    rows = list(conn.execute(select(wb_intents).where(wb_intents.c.locale == locale, wb_intents.c.domain == domain)
                             .order_by(wb_intents.c.id)))
    if not rows:
        return done
    try:
        current = sha256(po.read_bytes())
    except FileNotFoundError:
        current = ""
    for row in rows:
        if row.po_sha256 == current:
            changes = [audit.Change(**c) for c in json.loads(row.changes)]
            complete(conn, row.id, changes)
            done.append(f"completed save {row.id} of {locale}/{domain}: {len(changes)} audit row(s) written")
        else:
            abandon(conn, row.id)
            done.append(f"rolled back save {row.id} of {locale}/{domain}: its file was never in place")
    return done


def stale_mo(po: Path) -> bool:
    """Tell whether a catalog's .mo is missing or older than its .po (readers would see old text)."""
    try:
        return po.with_suffix(".mo").stat().st_mtime_ns < po.stat().st_mtime_ns
    except FileNotFoundError:
        return po.exists()


def reconcile_catalog(conn: Connection | None, po: Path, locale: str, domain: str) -> list[str]:
    """Settle the intents of one catalog and recompile its .mo when stale (its lock held)."""
    done = settle(conn, po, locale, domain) if conn is not None else []
    if stale_mo(po):
        try:
            catalogs.compile_po(po)
            done.append(f"recompiled {po.with_suffix('.mo')}")
        except catalogs.CatalogError as exc:
            log.warning("%s not compiled at start-up (the old .mo stays): %s", po, exc)
    return done


def reconcile(directory: Path, locales: list[str], domains: list[str], locks: Locks,
              conn: Connection | None) -> list[str]:
    """Reconcile every catalog below a translations folder, then sweep stale temporary files."""
    done: list[str] = []
    for locale in locales:
        for domain in domains:
            po = catalogs.po_path(directory, locale, domain)
            if not po.exists():
                continue
            try:
                with locks.hold(catalogs.lock_name(locale, domain), timeout=LOCK_WAIT):
                    done += reconcile_catalog(conn, po, locale, domain)
            except LockTimeout:
                log.warning("%s is locked: left to its next save", po)
    removed = sweep_temp(directory, STALE_TMP_SECONDS)
    if removed:
        done.append(f"removed {removed} stale temporary file(s) below {directory}")
    return done


def init_app(app: Flask, locks: Locks) -> None:
    """At start-up: finish or undo what killed saves left (under ``locks``), recompile stale .mo files, sweep
    temporary files."""
    directory = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    locales = list(app.config["SHIPPED_LOCALES"])
    domains = ["messages", "speech"]
    conn = None
    try:
        conn = db.connect(app)
        conn.execute(select(wb_intents.c.id).limit(1)).all()
        conn.rollback()
    except SQLAlchemyError as exc:  # a database not migrated yet (`flask db upgrade` comes later)
        log.warning("save intents not checked at start-up: %s", exc)
        if conn is not None:
            conn.close()
        conn = None
    try:
        for line in reconcile(directory, locales, domains, locks, conn):
            log.warning("start-up: %s", line)
    finally:
        if conn is not None:
            conn.close()
