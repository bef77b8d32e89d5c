"""Audit rows for catalog writes outside the editor (`flask i18n update`, `flask mt fill`), kept with the file.

The command's writer runs under the catalog's lock: it compares the file on disk with the new
catalog, records the intent (the file's hash and one audit row per changed entry), renames the
file into place and writes the rows, as a workbench save does (journal.py finishes or undoes a
write a kill interrupted). Without a database (a checkout where `flask db upgrade` never ran) the
file is written as before and the command says that the audit log was not written.
"""
from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from .. import catalogs
from ..catalogs.checks import msgid_of
from ..core.files import atomic_write
from ..db.schema import wb_audit
from . import audit, journal

#: What the audit log says an entry looked like: its text (plural forms on lines) and its flags.
State = tuple[str, str]


def actor(command: str) -> str:
    """The name a command's changes are audited under: the command and the system account that ran it."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): the command alone
        who = "?"
    return f"{command} ({who})"


def _state(message: Message) -> State:
    """An entry's text and flags as the audit log keeps them."""
    value = message.string
    text = "\n".join(v or "" for v in value) if isinstance(value, (list, tuple)) else (value or "")
    return text, ",".join(sorted(message.flags))


def _states(catalog: Catalog) -> dict[tuple[str, str | None], State]:
    """Every entry of a catalog by (msgid, context)."""
    return {(msgid_of(m), m.context): _state(m) for m in catalog if m.id}


def changes_between(before: Catalog, after: Catalog, locale: str, username: str, action: str) -> list[audit.Change]:
    """One audit row per entry added, removed or changed in text or flags (a removed one: new text empty)."""
    old, new = _states(before), _states(after)
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        was, now = old.get(key, ("", "")), new.get(key, ("", ""))
        if key in old and key in new and was == now:
            continue
        changes.append(audit.Change(username, locale, action, key[0], was[0], now[0], was[1], now[1]))
    return changes


def audit_connection(connect: Callable[[], Connection]) -> tuple[Connection | None, str | None]:
    """A connection to write audit rows with, or None and why (no database, or not migrated)."""
    conn = None
    try:
        conn = connect()
        conn.execute(select(wb_audit.c.id).limit(1)).all()
        conn.rollback()
        return conn, None
    except SQLAlchemyError as exc:
        if conn is not None:
            conn.close()
        return None, str(exc).splitlines()[0]


def writer(conn: Connection | None, locale: str, username: str, action: str,
           counted: list[int] | None = None, domain: str = "messages") -> Callable[[Path, Catalog], None]:
    """A catalog writer (lock held) that records the changed entries in the audit log with the file.

    ``counted`` gets the number of audit rows written appended (for the command's output).
    """

    def write(path: Path, catalog: Catalog) -> None:
        """Write the catalog and its audit rows so that a kill leaves both or neither."""
        if conn is None:
            catalogs.save_po(path, catalog)
            return
        journal.reconcile_catalog(conn, path, locale, domain)  # what a killed save left
        before = catalogs.load_po(path, locale) if path.exists() else Catalog(locale=locale)
        changes = changes_between(before, catalog, locale, username, action)
        data = catalogs.dump_po(catalog)
        intent = journal.begin(conn, locale, domain, data, changes)
        try:
            atomic_write(path, data)
        except BaseException:
            journal.abandon(conn, intent)
            raise
        journal.complete(conn, intent, changes)
        if counted is not None:
            counted.append(len(changes))

    return write
