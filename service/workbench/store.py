"""A locale's catalog as translators see it: entries with status and revision, safe saves, upload and download."""
from __future__ import annotations

import enum
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from sqlalchemy import Connection

from .. import catalogs
from ..catalogs import Finding
from ..core import offload
from ..core.files import atomic_write
from ..core.locks import FileLocks, Locks
from ..core.text import normalize_text
from . import audit, journal
from .entries import CatalogEntry, entry_key, to_entry

KEY_RE = re.compile(r"^[0-9a-f]{16}$")
REVISION_RE = re.compile(r"^[0-9a-f]{16}$")
#: Header field of a downloaded .po: the newest audited change of the locale at download time.
MARK_HEADER = "X-Workbench-Mark"
MARK_RE = re.compile(rf'^"{MARK_HEADER}: (\d{{1,18}})\\n"\s*$', re.MULTILINE)  # longer: no mark
#: The checks of an edit: those of every catalog, and a translation must not be empty.
EDIT_CHECKS = catalogs.selection(also=("empty",))


class CatalogNotFound(LookupError):
    """A locale has no catalog of this domain."""

    def __init__(self, locale: str):
        """Keep the locale."""
        super().__init__(locale)
        self.locale = locale


class EntryNotFound(LookupError):
    """No entry of a locale's catalog has this key (or the key is malformed)."""

    def __init__(self, locale: str, key: str):
        """Keep locale and key."""
        super().__init__(f"{locale}/{key}")
        self.locale = locale
        self.key = key


class InvalidEdit(ValueError):
    """An edit form came with a malformed revision or the wrong number of plural forms."""

    def __init__(self, field: str):
        """Keep which part was wrong: "revision" or "forms"."""
        super().__init__(field)
        self.field = field


class InvalidTranslation(ValueError):
    """A translation does not pass the checks; nothing was saved."""

    def __init__(self, findings: list[Finding]):
        """Carry the findings to show next to the field."""
        super().__init__("; ".join(catalogs.describe(f) for f in findings))
        self.findings = tuple(findings)


class EntryConflict(Exception):
    """Someone else saved the entry since the editor was opened."""

    def __init__(self, current: CatalogEntry, mine: tuple[str, ...]):
        """Carry both versions: the saved one and the one that was refused."""
        super().__init__(current.msgid)
        self.current = current
        self.mine = mine


class Rejection(enum.StrEnum):
    """Why an uploaded .po was refused as a whole (workbench/texts.py words each one for translators)."""

    TOO_LARGE = "too-large"
    EMPTY = "empty"
    NOT_UTF8 = "not-utf8"
    SYNTAX = "syntax"  # the header, or text that is no entry at all
    INVALID = "invalid"  # Babel could not read what was left
    CHARSET = "charset"
    LANGUAGE = "language"
    NO_LANGUAGE = "no-language"
    PLURALS = "plurals"
    FOREIGN = "foreign"  # no entry of this catalog


class UploadRejected(ValueError):
    """An uploaded .po was refused as a whole; nothing changed.

    ``params`` holds the values the message about the ``reason`` needs; ``lines`` the offending lines (number,
    text), ``findings`` the failed checks, ``detail`` Babel's own words.
    """

    def __init__(self, reason: Rejection, *, lines: tuple[tuple[int, str], ...] = (),
                 findings: tuple[Finding, ...] = (), detail: str | None = None, **params: Any):
        """Keep the reason and everything that explains it."""
        super().__init__(reason)
        self.reason = reason
        self.params = params
        self.lines = lines
        self.findings = findings
        self.detail = detail


def validate(message: Message, catalog: Catalog, strings: tuple[str, ...],
             context: catalogs.CheckContext | None = None) -> list[Finding]:
    """The findings of a proposed translation of a message: the catalog checks, and not empty (warnings too)."""
    candidate = Message(message.id, list(strings) if message.pluralizable else strings[0], context=message.context,
                        flags=message.flags, auto_comments=message.auto_comments)
    return catalogs.check_message(candidate, catalog, EDIT_CHECKS, context)


def drop_machine_marks(message: Message, user_comments: bool = True) -> None:
    """Remove the comments that mark an untouched machine suggestion."""
    for comment in catalogs.machine_comments(message):
        if comment in message.auto_comments:
            message.auto_comments.remove(comment)
        if user_comments and comment in message.user_comments:
            message.user_comments.remove(comment)


def normalized(strings: tuple[str, ...]) -> tuple[str, ...]:
    """Every form NFC with plain line breaks; InvalidTranslation with the marks check's finding for a run of marks
    no language writes (checked before normalizing: that costs the square of the run)."""
    found = catalogs.checks.mark_findings("", strings)
    if found:
        raise InvalidTranslation(found)
    return tuple(normalize_text(s) for s in strings)


@dataclass
class SaveResult:
    """What a save did."""

    entry: CatalogEntry
    changed: bool
    compiled: bool
    compile_error: str | None = None
    #: What the checks warn about in the saved text (glossary terms left out...); it was saved all the same.
    warnings: tuple[Finding, ...] = ()


class Store:
    """The catalogs of a translations folder, for the workbench."""

    def __init__(self, directory: str | Path, domain: str = "messages", locks: Locks | None = None,
                 on_change: Callable[[str], None] | None = None):
        """Work on the catalogs of one domain below a translations folder, under the given locks.

        ``on_change(locale)`` is called after a locale's catalog was written (every server reloads it).
        """
        self.directory = Path(directory)
        self.domain = domain
        self.locks = locks if locks is not None else FileLocks(self.directory / ".locks")
        self.on_change = on_change
        #: Parsed entries per locale with the file version they came from (entries are frozen: safe to share).
        self._entries: dict[str, tuple[tuple[int, int, int], tuple[CatalogEntry, ...]]] = {}

    def path(self, locale: str) -> Path:
        """The .po of a locale."""
        return catalogs.po_path(self.directory, locale, self.domain)

    def lock(self, locale: str):
        """Hold the lock of a locale's catalog (every writer of the file takes it)."""
        return self.locks.hold(catalogs.lock_name(locale, self.domain))

    def load(self, locale: str) -> Catalog:
        """Read a locale's catalog; CatalogNotFound if there is none."""
        try:
            return offload.run(catalogs.load_po, self.path(locale), locale)  # parsing a catalog: off the loop
        except FileNotFoundError:
            raise CatalogNotFound(locale) from None

    def _file_version(self, locale: str) -> tuple[int, int, int]:
        """What identifies one version of a locale's .po (every writer replaces the file: a new inode)."""
        try:
            st = os.stat(self.path(locale))
        except FileNotFoundError:
            raise CatalogNotFound(locale) from None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def entries(self, locale: str) -> list[CatalogEntry]:
        """Every entry of a locale, in catalog order (parsed once per version of the file: lists, editor, memory)."""
        version = self._file_version(locale)
        cached = self._entries.get(locale)
        if cached is not None and cached[0] == version:
            return list(cached[1])
        catalog = self.load(locale)
        result = tuple(to_entry(m, catalog) for m in catalog if m.id)
        self._entries[locale] = (version, result)
        return list(result)

    def get(self, locale: str, key: str) -> CatalogEntry:
        """One entry by key; EntryNotFound for unknown or malformed keys."""
        if not KEY_RE.match(key or ""):
            raise EntryNotFound(locale, key)
        for entry in self.entries(locale):
            if entry.key == key:
                return entry
        raise EntryNotFound(locale, key)

    @staticmethod
    def _find(catalog: Catalog, locale: str, key: str) -> Message:
        """The message of a key in a catalog."""
        for message in catalog:
            if message.id and entry_key(message) == key:
                return message
        raise EntryNotFound(locale, key)

    def _compile(self, locale: str) -> tuple[bool, str | None]:
        """Compile a locale's catalog (lock held); return whether the .mo was rebuilt and why not."""
        try:
            offload.run(catalogs.compile_po, self.path(locale))
        except catalogs.CatalogError as exc:
            return False, str(exc)
        return True, None

    def context(self, locale: str) -> catalogs.CheckContext:
        """What the contextual checks of a locale's catalog read (its glossary; for speech, the shown texts)."""
        return catalogs.context_for(self.directory, locale, self.domain)

    def _checked(self, catalog: Catalog, locale: str, key: str, strings: tuple[str, ...],
                 base_revision: str) -> tuple[Message, CatalogEntry, tuple[Finding, ...]]:
        """The message, its entry and the checks' warnings, if nobody changed it since ``base_revision`` and the
        text passes the checks."""
        message = self._find(catalog, locale, key)
        current = to_entry(message, catalog)
        if current.revision != base_revision:
            raise EntryConflict(current, strings)
        if len(strings) != len(current.strings):
            raise InvalidEdit("forms")
        found = offload.run(validate, message, catalog, strings, self.context(locale))  # CPU work: off the loop
        findings = catalogs.errors(found)
        if findings:
            raise InvalidTranslation(findings)
        return message, current, tuple(catalogs.warnings(found))

    def check(self, locale: str, key: str, strings: tuple[str, ...], base_revision: str
              ) -> tuple[CatalogEntry, tuple[str, ...], tuple[Finding, ...]]:
        """Check a text for an entry without writing it (a proposal for review); return the entry, the text and
        what the checks warn about."""
        if not REVISION_RE.match(base_revision or ""):
            raise InvalidEdit("revision")
        strings = normalized(strings)
        catalog = self.load(locale)
        _, current, warned = self._checked(catalog, locale, key, strings, base_revision)
        return current, strings, warned

    def save(self, conn: Connection, locale: str, key: str, strings: tuple[str, ...], base_revision: str,
             approve: bool, username: str, note: tuple[str, str] | None = None) -> SaveResult:
        """Save one translation if nobody changed the entry since ``base_revision``; approve clears fuzzy.

        ``note`` (prefix, text): a translator comment starting with the prefix is set to the text (speech.po keeps
        the shown text an override was written for this way).
        """
        if not REVISION_RE.match(base_revision or ""):
            raise InvalidEdit("revision")
        strings = normalized(strings)
        with self.lock(locale):
            journal.reconcile_catalog(conn, self.path(locale), locale, self.domain)  # what a killed save left
            catalog = self.load(locale)
            message, current, warned = self._checked(catalog, locale, key, strings, base_revision)
            new_value = list(strings) if message.pluralizable else strings[0]
            if strings != current.strings:
                message.string = new_value
                drop_machine_marks(message)  # a person edited it: no longer an untouched machine suggestion
            if approve:
                message.flags.discard("fuzzy")
                message.previous_id = []
                drop_machine_marks(message, user_comments=False)
            noted = False
            if note is not None:
                kept = [c for c in message.user_comments if not c.startswith(note[0])]
                noted = kept + [note[1]] != message.user_comments
                message.user_comments = kept + [note[1]]
            updated = to_entry(message, catalog)
            if updated.revision == current.revision and updated.machine_note == current.machine_note and not noted:
                return SaveResult(updated, changed=False, compiled=True, warnings=warned)
            change = audit.Change(
                username=username, locale=locale, action="approve" if approve else "save", msgid=current.msgid,
                old="\n".join(current.strings), new="\n".join(updated.strings),
                old_flags=",".join(current.flags), new_flags=",".join(updated.flags),
            )
            compiled, error = self.commit(conn, locale, catalog, username, [change])
            return SaveResult(updated, changed=True, compiled=compiled, compile_error=error, warnings=warned)

    def commit(self, conn: Connection, locale: str, catalog: Catalog, username: str,
                changes: list[audit.Change]) -> tuple[bool, str | None]:
        """Write the catalog and its audit rows so that a kill at any moment leaves both or neither (lock held).

        The intent (the new file's hash and the audit rows) is recorded first, then the file is
        renamed into place, then the rows are written with the intent's deletion, then the .mo is
        compiled; journal.reconcile finishes or undoes whatever a killed process left between two.
        """
        catalog.revision_date = datetime.now(UTC)
        catalog.last_translator = username
        data = catalogs.dump_po(catalog)
        intent = journal.begin(conn, locale, self.domain, data, changes)
        try:
            atomic_write(self.path(locale), data)
        except BaseException:
            journal.abandon(conn, intent)
            raise
        journal.complete(conn, intent, changes)
        compiled = self._compile(locale)
        if self.on_change is not None:  # several servers: each reloads the locale
            self.on_change(locale)
        return compiled

    def download(self, locale: str, mark: int | None = None) -> bytes:
        """The .po of a locale as it is on disk; with a mark, the audit position it was taken at in its header."""
        try:
            data = self.path(locale).read_bytes()
        except FileNotFoundError:
            raise CatalogNotFound(locale) from None
        if mark is None:
            return data
        # The header is the first entry; Babel drops unknown header fields, so the line goes in as text.
        return data.replace(b'msgstr ""\n', f'msgstr ""\n"{MARK_HEADER}: {int(mark)}\\n"\n'.encode(), 1)
