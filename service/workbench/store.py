"""A locale's catalog as translators see it: entries with status and revision, safe saves, upload and download."""
from __future__ import annotations

import codecs
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
from ..core.text import UnsafeText, normalize_text
from . import audit, journal
from .entries import CatalogEntry, entry_key, to_entry

KEY_RE = re.compile(r"^[0-9a-f]{16}$")
REVISION_RE = re.compile(r"^[0-9a-f]{16}$")
#: Header field of a downloaded .po: the newest audited change of the locale at download time.
MARK_HEADER = "X-Workbench-Mark"
MARK_RE = re.compile(rf'^"{MARK_HEADER}: (\d{{1,18}})\\n"\s*$', re.M)  # longer: no mark
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
        """Keep which part was wrong: "revision", "forms" or "text" (a run of marks no language has)."""
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


class UploadRejected(ValueError):
    """An uploaded .po was refused as a whole; nothing changed.

    ``reason`` is one of: too-large, empty, not-utf8, syntax, invalid, duplicate, charset, language,
    no-language, plurals, findings, foreign. ``params`` holds the values a message about it needs; ``lines`` the
    offending lines (number, text), ``findings`` the failed checks, ``detail`` Babel's own words.
    """

    def __init__(self, reason: str, *, lines: tuple[tuple[int, str], ...] = (), findings: tuple[Finding, ...] = (),
                 detail: str | None = None, **params: Any):
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


def _drop_machine_marks(message: Message, user_comments: bool = True) -> None:
    """Remove the comments that mark an untouched machine suggestion."""
    for comment in catalogs.machine_comments(message):
        if comment in message.auto_comments:
            message.auto_comments.remove(comment)
        if user_comments and comment in message.user_comments:
            message.user_comments.remove(comment)


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

    def path(self, locale: str) -> Path:
        """The .po of a locale."""
        return catalogs.po_path(self.directory, locale, self.domain)

    def context(self, locale: str) -> catalogs.CheckContext:
        """What the contextual checks of a locale's catalog read (its glossary; for speech, the shown texts)."""
        return catalogs.context_for(self.directory, locale, self.domain)

    def lock(self, locale: str):
        """Hold the lock of a locale's catalog (every writer of the file takes it)."""
        return self.locks.hold(catalogs.lock_name(locale, self.domain))

    def load(self, locale: str) -> Catalog:
        """Read a locale's catalog; CatalogNotFound if there is none."""
        try:
            return offload.run(catalogs.load_po, self.path(locale), locale)  # parsing a catalog: off the loop
        except FileNotFoundError:
            raise CatalogNotFound(locale) from None

    def entries(self, locale: str) -> list[CatalogEntry]:
        """Every entry of a locale, in catalog order."""
        catalog = self.load(locale)
        return [to_entry(m, catalog) for m in catalog if m.id]

    def get(self, locale: str, key: str) -> CatalogEntry:
        """One entry by key; EntryNotFound for unknown or malformed keys."""
        if not KEY_RE.match(key or ""):
            raise EntryNotFound(locale, key)
        catalog = self.load(locale)
        return to_entry(self._find(catalog, locale, key), catalog)

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

    def save(self, conn: Connection, locale: str, key: str, strings: tuple[str, ...], base_revision: str,
             approve: bool, username: str) -> SaveResult:
        """Save one translation if nobody changed the entry since ``base_revision``; approve clears fuzzy."""
        if not REVISION_RE.match(base_revision or ""):
            raise InvalidEdit("revision")
        try:
            strings = tuple(normalize_text(s) for s in strings)
        except UnsafeText:
            raise InvalidEdit("text") from None
        with self.lock(locale):
            journal.reconcile_catalog(conn, self.path(locale), locale, self.domain)  # what a killed save left
            catalog = self.load(locale)
            message = self._find(catalog, locale, key)
            current = to_entry(message, catalog)
            if current.revision != base_revision:
                raise EntryConflict(current, strings)
            if len(strings) != len(current.strings):
                raise InvalidEdit("forms")
            # checks: CPU work, off the event loop
            found = offload.run(validate, message, catalog, strings, self.context(locale))
            findings, warned = catalogs.errors(found), tuple(catalogs.warnings(found))
            if findings:
                raise InvalidTranslation(findings)
            new_value = list(strings) if message.pluralizable else strings[0]
            if strings != current.strings:
                message.string = new_value
                _drop_machine_marks(message)  # a person edited it: no longer an untouched machine suggestion
            if approve:
                message.flags.discard("fuzzy")
                message.previous_id = []
                _drop_machine_marks(message, user_comments=False)
            updated = to_entry(message, catalog)
            if updated.revision == current.revision and updated.machine_note == current.machine_note:
                return SaveResult(updated, changed=False, compiled=True, warnings=warned)
            change = audit.Change(
                username=username, locale=locale, action="approve" if approve else "save", msgid=current.msgid,
                old="\n".join(current.strings), new="\n".join(updated.strings),
                old_flags=",".join(current.flags), new_flags=",".join(updated.flags),
            )
            compiled, error = self._commit(conn, locale, catalog, username, [change])
            return SaveResult(updated, changed=True, compiled=compiled, compile_error=error, warnings=warned)

    def _commit(self, conn: Connection, locale: str, catalog: Catalog, username: str,
                changes: list[audit.Change]) -> tuple[bool, str | None]:
        """Write the catalog and its audit rows so that a kill at any moment leaves both or neither (lock held).

        The intent (the new file's hash and the audit rows) is recorded first, then the file is
        renamed into place, then the rows are written with the intent's deletion, then the .mo is
        compiled; journal.reconcile finishes or undoes whatever a killed process left between two.
        """
        catalog.revision_date = datetime.now(UTC)
        catalog.last_translator = username
        data = offload.run(catalogs.dump_po, catalog)
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

    def check_upload(self, locale: str, data: bytes, max_bytes: int) -> Catalog:
        """Parse and check an uploaded .po as a whole; raise UploadRejected with the reason (errors only)."""
        if len(data) > max_bytes:
            raise UploadRejected("too-large", n=max_bytes // 1024)
        data = data.removeprefix(codecs.BOM_UTF8)  # editors on Windows write one: it is no content
        if not data.strip():
            raise UploadRejected("empty")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UploadRejected("not-utf8", line=data[:exc.start].count(b"\n") + 1) from None
        bad = offload.run(catalogs.lint_po, text)
        if bad:
            raise UploadRejected("syntax", lines=tuple((n, t[:80]) for n, t in bad[:10]))
        twice = offload.run(catalogs.duplicates, text)
        if twice:
            raise UploadRejected("duplicate", lines=tuple((0, m[:80]) for m in twice[:10]))  # line 0: an entry
        language = (catalogs.header_language(text) or "").replace("-", "_")
        if not language:  # a file that does not say its language could be any locale's
            raise UploadRejected("no-language", locale=locale)
        if language.split("_")[0] != locale:
            raise UploadRejected("language", found=language, locale=locale)
        try:
            uploaded = offload.run(catalogs.parse_po, data, locale)
        except catalogs.CatalogError as exc:
            raise UploadRejected("invalid", detail=exc.reason) from None
        charset = (uploaded.charset or "utf-8").lower().replace("_", "-")
        if charset not in ("utf-8", "utf8"):
            raise UploadRejected("charset", charset=charset)
        current = self.load(locale)
        try:
            plural_ok = uploaded.num_plurals == current.num_plurals and uploaded.plural_expr == current.plural_expr
        except (ValueError, TypeError, IndexError):
            plural_ok = False
        if not plural_ok:
            raise UploadRejected("plurals", expected=current.plural_forms)
        findings = catalogs.errors(offload.run(lambda: catalogs.check_catalog(uploaded, context=self.context(locale))))
        if findings:
            raise UploadRejected("findings", findings=tuple(findings[:20]))
        if not any(m.id and m.id in current for m in uploaded):
            raise UploadRejected("foreign")
        return uploaded

    def merge_upload(self, conn: Connection, locale: str, data: bytes, username: str,
                     max_bytes: int) -> dict:
        """Merge a checked .po into a locale's catalog; every change is audited. Unknown entries are ignored."""
        uploaded = self.check_upload(locale, data, max_bytes)
        warned = tuple(catalogs.warnings(catalogs.check_catalog(uploaded, context=self.context(locale))))
        mark = MARK_RE.search(data[:4096].decode("utf-8", "replace"))
        with self.lock(locale):
            journal.reconcile_catalog(conn, self.path(locale), locale, self.domain)
            catalog = self.load(locale)
            # Entries someone changed here after this file was downloaded are not overwritten.
            changed_here = audit.changed_since(conn, locale, int(mark.group(1))) if mark else {}
            changes: list[audit.Change] = []
            conflicts: list[str] = []
            unknown = 0
            for incoming in uploaded:
                if not incoming.id:
                    continue
                message = catalog.get(incoming.id, incoming.context)
                if message is None:
                    unknown += 1
                    continue
                if not catalogs.filled(incoming.string):
                    continue  # an empty entry never erases a translation
                before = to_entry(message, catalog)
                if message.id in changed_here and incoming.string != message.string:
                    conflicts.append(before.msgid)
                    continue
                message.string = incoming.string
                if incoming.fuzzy:
                    message.flags.add("fuzzy")
                else:
                    message.flags.discard("fuzzy")
                    message.previous_id = []
                _drop_machine_marks(message, user_comments=False)
                if incoming.fuzzy:  # a machine mark only means something on an unreviewed entry
                    message.auto_comments.extend(catalogs.machine_comments(incoming))
                after = to_entry(message, catalog)
                if after.revision != before.revision:
                    changes.append(audit.Change(username, locale, "upload", before.msgid, "\n".join(before.strings),
                                                "\n".join(after.strings), ",".join(before.flags),
                                                ",".join(after.flags)))
            compiled, error = (True, None)
            if changes:
                compiled, error = self._commit(conn, locale, catalog, username, changes)
        return {"changed": len(changes), "unknown": unknown, "conflicts": conflicts, "compiled": compiled,
                "compile_error": error, "warnings": warned}
