"""A locale's catalog as translators see it: entries with status and revision, safe saves, upload and download."""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from flask_babel import lazy_gettext

from ..core.text import has_control
from .. import catalogs
from ..core.syntax import LINK_RE, PLACEHOLDER_RE
from ..web.errors import BadRequest, Conflict, N_, NotFound
from . import audit

#: Longest translation of one entry we accept (characters).
MAX_ENTRY = 10_000
KEY_RE = re.compile(r"^[0-9a-f]{16}$")
REVISION_RE = re.compile(r"^[0-9a-f]{16}$")
#: Header field of a downloaded .po: the newest audited change of the locale at download time.
MARK_HEADER = "X-Workbench-Mark"
MARK_RE = re.compile(rf'^"{MARK_HEADER}: (\d+)\\n"\s*$', re.M)


class InvalidTranslation(BadRequest):
    """A translation does not pass the checks; nothing was saved."""

    message = N_("Die Übersetzung wurde nicht gespeichert, weil sie Fehler enthält.")

    def __init__(self, problems: list[str]):
        """Carry the problems to show next to the field."""
        super().__init__()
        self.problems = problems


class EntryConflict(Conflict):
    """Someone else saved the entry since the editor was opened."""

    def __init__(self, current: "Entry", mine: tuple[str, ...]):
        """Carry both versions: the saved one and the one that was refused."""
        super().__init__()
        self.current = current
        self.mine = mine


class UploadRejected(BadRequest):
    """An uploaded .po was refused as a whole; nothing changed."""

    message = N_("Die Datei wurde abgelehnt. Es wurde nichts geändert.")

    def __init__(self, reason: str, details: list[str] | None = None, status_code: int = 400):
        """Carry the reason and up to a few details (lines, entries) for the upload page."""
        super().__init__()
        self.status_code = status_code
        self.reason = reason
        self.details = details or []


@dataclass(frozen=True)
class Entry:
    """One message of a locale's catalog, as the workbench shows it."""

    key: str
    msgid: str
    msgid_plural: str | None
    context: str | None
    strings: tuple[str, ...]
    fuzzy: bool
    status: str  # human, machine, outdated, missing
    revision: str
    comments: tuple[str, ...] = ()
    machine_note: str | None = None
    previous_id: str | None = None
    locations: tuple[tuple[str, int], ...] = ()
    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        """The (first) translation."""
        return self.strings[0] if self.strings else ""

    @property
    def plural(self) -> bool:
        """Tell whether the entry has plural forms."""
        return self.msgid_plural is not None


def entry_key(message: Message) -> str:
    """A stable id of a message in URLs: a hash of its context and msgid."""
    ident = message.id if isinstance(message.id, str) else "\x00".join(message.id)
    return hashlib.sha256(f"{message.context or ''}\x04{ident}".encode()).hexdigest()[:16]


def _strings_of(message: Message, catalog: Catalog) -> tuple[str, ...]:
    """The translation of a message as a tuple (one string, or one per plural form)."""
    if message.pluralizable:
        values = list(message.string or ())
        values += [""] * (catalog.num_plurals - len(values))
        return tuple(v or "" for v in values)
    return (message.string or "",)


def revision(message: Message, catalog: Catalog) -> str:
    """The version of an entry: a hash of msgid, msgstr and flags."""
    payload = json.dumps([message.context, message.id, list(_strings_of(message, catalog)), sorted(message.flags)],
                         ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _machine_comments(message: Message) -> list[str]:
    """The comments that mark a machine suggestion."""
    return [c for c in [*message.auto_comments, *message.user_comments] if c.startswith(catalogs.MACHINE_COMMENT_PREFIX)]


def to_entry(message: Message, catalog: Catalog) -> Entry:
    """Describe a catalog message for the workbench."""
    singular = message.id if isinstance(message.id, str) else message.id[0]
    plural = None if isinstance(message.id, str) else message.id[1]
    previous = message.previous_id[0] if message.previous_id else None
    machine = _machine_comments(message)
    return Entry(
        key=entry_key(message),
        msgid=singular,
        msgid_plural=plural,
        context=message.context,
        strings=_strings_of(message, catalog),
        fuzzy=message.fuzzy,
        status=catalogs.status(message),
        revision=revision(message, catalog),
        comments=tuple(c for c in message.auto_comments if c not in machine),
        machine_note=machine[0] if machine else None,
        previous_id=previous,
        locations=tuple((str(f), int(n or 0)) for f, n in message.locations),
        flags=tuple(sorted(message.flags)),
    )



def describe_problem(problem: str, source: str) -> str:
    """A German source message (translated when shown) for one problem reported by catalogs.check_message."""
    if problem.startswith("placeholders differ"):
        expected = ", ".join(sorted(PLACEHOLDER_RE.findall(source))) or "–"
        return str(lazy_gettext("Die Platzhalter müssen dieselben sein wie im Original: %(expected)s", expected=expected))
    if problem.startswith("links differ"):
        expected = ", ".join(sorted(url for _, url in LINK_RE.findall(source))) or "–"
        return str(lazy_gettext("Die Links [Text](Adresse) müssen dieselben Adressen haben wie im Original: %(expected)s",
                                expected=expected))
    if problem.startswith("markup differs"):
        return str(lazy_gettext("Die HTML-Auszeichnungen müssen dieselben sein wie im Original."))
    if "white space" in problem:
        return str(lazy_gettext("Die Übersetzung darf nicht mit einem Leerzeichen oder Zeilenumbruch beginnen oder enden."))
    if problem.startswith(("plural forms", "a plural form")):
        return str(lazy_gettext("Bitte füllen Sie jede Pluralform aus."))
    return str(lazy_gettext("Die Übersetzung hat einen Fehler: %(problem)s", problem=problem))


def validate(message: Message, catalog: Catalog, strings: tuple[str, ...]) -> list[str]:
    """Every problem of a proposed translation, as messages for the translator."""
    problems: list[str] = []
    if not any(s.strip() for s in strings):
        return [str(lazy_gettext("Bitte geben Sie eine Übersetzung ein."))]
    if any(len(s) > MAX_ENTRY for s in strings):
        problems.append(str(lazy_gettext("Die Übersetzung ist zu lang (höchstens %(n)s Zeichen).", n=MAX_ENTRY)))
    if any(has_control(s) for s in strings):
        problems.append(str(lazy_gettext("Die Übersetzung enthält unzulässige Steuerzeichen.")))
    candidate = Message(message.id, list(strings) if message.pluralizable else strings[0], context=message.context,
                        flags=message.flags)
    source = message.id if isinstance(message.id, str) else message.id[0]
    for problem in catalogs.check_message(candidate, catalog):
        text = describe_problem(problem, source)
        if text not in problems:
            problems.append(text)
    return problems


def normalize_text(value: str) -> str:
    """NFC, and Windows line breaks of browsers turned into plain ones."""
    return unicodedata.normalize("NFC", (value or "").replace("\r\n", "\n").replace("\r", "\n"))


@dataclass
class SaveResult:
    """What a save did."""

    entry: Entry
    changed: bool
    compiled: bool
    compile_error: str | None = None


class Store:
    """The catalogs of a translations folder, for the workbench."""

    def __init__(self, directory: str | Path, domain: str = "messages"):
        """Work on the catalogs of one domain below a translations folder."""
        self.directory = Path(directory)
        self.domain = domain

    def path(self, locale: str) -> Path:
        """The .po of a locale."""
        return catalogs.po_path(self.directory, locale, self.domain)

    def load(self, locale: str) -> Catalog:
        """Read a locale's catalog, or NotFound."""
        try:
            return catalogs.load_po(self.path(locale), locale)
        except FileNotFoundError:
            raise NotFound() from None

    def entries(self, locale: str) -> list[Entry]:
        """Every entry of a locale, in catalog order."""
        catalog = self.load(locale)
        return [to_entry(m, catalog) for m in catalog if m.id]

    def get(self, locale: str, key: str) -> Entry:
        """One entry by key; NotFound for unknown or malformed keys."""
        if not KEY_RE.match(key or ""):
            raise NotFound()
        catalog = self.load(locale)
        return to_entry(self._find(catalog, key), catalog)

    @staticmethod
    def _find(catalog: Catalog, key: str) -> Message:
        """The message of a key in a catalog."""
        for message in catalog:
            if message.id and entry_key(message) == key:
                return message
        raise NotFound()

    def _write(self, locale: str, catalog: Catalog, username: str) -> tuple[bool, str | None]:
        """Save and compile a catalog (lock held); return whether the .mo was rebuilt and why not."""
        catalog.revision_date = datetime.now(timezone.utc)
        catalog.last_translator = username
        po = self.path(locale)
        catalogs.save_po(po, catalog)
        try:
            catalogs.compile_po(po)
        except catalogs.CatalogError as exc:
            return False, str(exc)
        return True, None

    def save(self, conn: sqlite3.Connection, locale: str, key: str, strings: tuple[str, ...], base_revision: str,
             approve: bool, username: str) -> SaveResult:
        """Save one translation if nobody changed the entry since ``base_revision``; approve clears fuzzy."""
        if not REVISION_RE.match(base_revision or ""):
            raise BadRequest(N_("Die Versionsangabe des Eintrags ist ungültig."))
        strings = tuple(normalize_text(s) for s in strings)
        po = self.path(locale)
        with catalogs.catalog_lock(po):
            catalog = self.load(locale)
            message = self._find(catalog, key)
            current = to_entry(message, catalog)
            if current.revision != base_revision:
                raise EntryConflict(current, strings)
            if len(strings) != len(current.strings):
                raise BadRequest()
            problems = validate(message, catalog, strings)
            if problems:
                raise InvalidTranslation(problems)
            new_value = list(strings) if message.pluralizable else strings[0]
            text_changed = strings != current.strings
            if text_changed:
                message.string = new_value
                # A person edited it: it is no longer an untouched machine suggestion.
                for comment in _machine_comments(message):
                    if comment in message.auto_comments:
                        message.auto_comments.remove(comment)
                    if comment in message.user_comments:
                        message.user_comments.remove(comment)
            if approve:
                message.flags.discard("fuzzy")
                message.previous_id = []
                for comment in _machine_comments(message):
                    if comment in message.auto_comments:
                        message.auto_comments.remove(comment)
            updated = to_entry(message, catalog)
            if updated.revision == current.revision and updated.machine_note == current.machine_note:
                return SaveResult(updated, changed=False, compiled=True)
            change = audit.Change(
                username=username, locale=locale, action="approve" if approve else "save", msgid=current.msgid,
                old="\n".join(current.strings), new="\n".join(updated.strings),
                old_flags=",".join(current.flags), new_flags=",".join(updated.flags),
            )
            compiled, error = self._commit(conn, locale, catalog, username, [change])
            return SaveResult(updated, changed=True, compiled=compiled, compile_error=error)

    def _commit(self, conn: sqlite3.Connection, locale: str, catalog: Catalog, username: str,
                changes: list[audit.Change]) -> tuple[bool, str | None]:
        """Write the audit rows and the catalog together: the rows are committed once the file is in place."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            audit.insert(conn, changes)
            result = self._write(locale, catalog, username)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
        return result

    def download(self, locale: str, mark: int | None = None) -> bytes:
        """The .po of a locale as it is on disk; with a mark, the audit position it was taken at in its header."""
        try:
            data = self.path(locale).read_bytes()
        except FileNotFoundError:
            raise NotFound() from None
        if mark is None:
            return data
        # The header is the first entry; Babel drops unknown header fields, so the line goes in as text.
        return data.replace(b'msgstr ""\n', f'msgstr ""\n"{MARK_HEADER}: {int(mark)}\\n"\n'.encode(), 1)

    def check_upload(self, locale: str, data: bytes, max_bytes: int) -> Catalog:
        """Parse and check an uploaded .po as a whole; raise UploadRejected with the reason."""
        if len(data) > max_bytes:
            raise UploadRejected(str(lazy_gettext("Die Datei ist zu groß (höchstens %(n)s KB).", n=max_bytes // 1024)),
                                 status_code=413)
        if not data.strip():
            raise UploadRejected(str(lazy_gettext("Die Datei ist leer.")))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise UploadRejected(str(lazy_gettext(
                "Die Datei ist nicht in UTF-8 kodiert (Zeile %(line)s). Bitte speichern Sie sie als UTF-8.", line=line)))
        bad = catalogs.lint_po(text)
        if bad:
            raise UploadRejected(str(lazy_gettext("Die Datei ist keine gültige .po-Datei.")),
                                 [str(lazy_gettext("Zeile %(line)s: %(text)s", line=n, text=t[:80])) for n, t in bad[:10]])
        try:
            uploaded = catalogs.parse_po(data, locale)
        except catalogs.CatalogError as exc:
            raise UploadRejected(str(lazy_gettext("Die Datei ist keine gültige .po-Datei.")), [str(exc)])
        charset = (uploaded.charset or "utf-8").lower().replace("_", "-")
        if charset not in ("utf-8", "utf8"):
            raise UploadRejected(str(lazy_gettext(
                "Die Datei gibt die Kodierung %(charset)s an. Erlaubt ist nur UTF-8.", charset=charset)))
        language = dict(uploaded.mime_headers).get("Language", "").strip().replace("-", "_")
        if language and language.split("_")[0] != locale:
            raise UploadRejected(str(lazy_gettext(
                "Die Datei gehört zur Sprache %(found)s, nicht zu %(locale)s.", found=language, locale=locale)))
        current = self.load(locale)
        try:
            plural_ok = uploaded.num_plurals == current.num_plurals and uploaded.plural_expr == current.plural_expr
        except (ValueError, TypeError, IndexError):
            plural_ok = False
        if not plural_ok:
            raise UploadRejected(str(lazy_gettext(
                "Die Pluralformen der Datei passen nicht zur Sprache. Erwartet: %(expected)s",
                expected=current.plural_forms)))
        problems = catalogs.check_catalog(uploaded)
        if problems:
            raise UploadRejected(str(lazy_gettext("Einige Übersetzungen der Datei enthalten Fehler.")),
                                 [f"{p.msgid[:60]}: {describe_problem(p.text, p.msgid)}" for p in problems[:20]])
        if not any(m.id and m.id in current for m in uploaded):
            raise UploadRejected(str(lazy_gettext("Die Datei enthält keinen Eintrag dieses Katalogs.")))
        return uploaded

    def merge_upload(self, conn: sqlite3.Connection, locale: str, data: bytes, username: str,
                     max_bytes: int) -> dict:
        """Merge a checked .po into a locale's catalog; every change is audited. Unknown entries are ignored."""
        uploaded = self.check_upload(locale, data, max_bytes)
        mark = MARK_RE.search(data[:4096].decode("utf-8", "replace"))
        po = self.path(locale)
        with catalogs.catalog_lock(po):
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
                if not catalogs._strings(incoming.string):
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
                for comment in _machine_comments(message):
                    if comment in message.auto_comments:
                        message.auto_comments.remove(comment)
                if incoming.fuzzy:  # a machine mark only means something on an unreviewed entry
                    message.auto_comments.extend(_machine_comments(incoming))
                after = to_entry(message, catalog)
                if after.revision != before.revision:
                    changes.append(audit.Change(username, locale, "upload", before.msgid, "\n".join(before.strings),
                                                "\n".join(after.strings), ",".join(before.flags), ",".join(after.flags)))
            compiled, error = (True, None)
            if changes:
                compiled, error = self._commit(conn, locale, catalog, username, changes)
        return {"changed": len(changes), "unknown": unknown, "conflicts": conflicts, "compiled": compiled,
                "compile_error": error}


def counts(entries: list[Entry]) -> dict[str, int]:
    """How many entries have each status, and in all."""
    result = {"human": 0, "machine": 0, "outdated": 0, "missing": 0}
    for entry in entries:
        result[entry.status] += 1
    result["total"] = len(entries)
    return result
