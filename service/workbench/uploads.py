"""Uploaded .po files: read entry by entry, planned against the catalog, previewed, then applied.

A file is refused whole only when it cannot be this locale's catalog at all (size, encoding, language,
plural forms, no known entry). Otherwise each broken entry is reported with its line, its German text and
what is wrong, and the rest is planned. A file without the download mark (X-Workbench-Mark) is stale:
its basis is taken to be before any web edit, so no entry changed here is overwritten; those are conflicts.
"""
from __future__ import annotations

import codecs
import enum
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import denormalize
from sqlalchemy import Connection, delete, insert, select

from .. import catalogs, db
from ..catalogs import Finding
from ..core.text import normalize_text
from ..db.schema import TIMESTAMP_FORMAT, wb_suggestions, wb_upload_previews
from . import audit, journal, review
from .entries import CatalogEntry, Status, to_entry
from .store import MARK_RE, Rejection, Store, UploadRejected, drop_machine_marks


class Mode(enum.StrEnum):
    """What an upload does with the entries it brings (as Weblate's upload methods)."""

    REPLACE = "replace"  # translate, changed-here entries shown as conflicts
    FILL = "fill"  # only entries without a translation here
    SUGGEST = "suggest"  # every differing text becomes a suggestion for review


class Outcome(enum.StrEnum):
    """What the upload does, or does not do, with one entry."""

    CHANGE = "change"
    SUGGEST = "suggest"
    CONFLICT = "conflict"
    INVALID = "invalid"
    KEPT = "kept"  # fill mode: translated here already; or an unreviewed text over a reviewed one


class Problem(enum.StrEnum):
    """Why one entry of a file cannot be read (entries that can be read but fail a check have findings instead)."""

    SYNTAX = "syntax"  # the line's text in ``Item.detail``
    DUPLICATE = "duplicate"  # in the file more than once: neither is taken


@dataclass(frozen=True)
class Item:
    """One entry of an uploaded file and what happens to it."""

    outcome: Outcome
    msgid: str
    line: int
    old: tuple[str, ...] = ()
    new: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    problem: Problem | None = None
    detail: str = ""
    context: str | None = None


@dataclass
class Plan:
    """What an upload would do (a preview) or did."""

    mode: Mode
    stale: bool
    items: list[Item] = field(default_factory=list)
    unchanged: int = 0
    unknown: int = 0

    def of(self, outcome: Outcome) -> list[Item]:
        """The items with one outcome."""
        return [i for i in self.items if i.outcome == outcome]


@dataclass
class Parsed:
    """An uploaded file read entry by entry."""

    catalog: Catalog
    lines: dict[str, int]
    invalid: list[Item]
    mark: int | None


#: How long an upload waits for its confirmation after the preview.
PREVIEW_HOURS = 2
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")


def _blocks(text: str) -> list[tuple[int, str]]:
    """The entries of .po text (separated by blank lines), each with the number of its first line."""
    result, line, pos = [], 1, 0
    for match in _BLOCK_SPLIT.finditer(text):
        result.append((line, text[pos:match.start()]))
        line += text[pos:match.end()].count("\n")
        pos = match.end()
    result.append((line, text[pos:]))
    return [(n, b) for n, b in result if b.strip()]


def _msgid(block: str) -> tuple[str, int]:
    """The msgid of one entry's text and its line within the block ("" and 0 when it has none readable)."""
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(block.split("\n")):
        line = raw.strip()
        if line.startswith("msgid "):
            parts, start = [line[len("msgid "):]], number
        elif parts and line.startswith('"'):
            parts.append(line)
        elif parts:
            break
    try:
        return (denormalize("\n".join(parts)), start) if parts else ("", 0)
    except (ValueError, IndexError):
        return "", start


def read(store: Store, locale: str, data: bytes, max_bytes: int) -> Parsed:
    """Read an upload; refuse it whole only when it cannot be this catalog, else set broken entries apart."""
    if len(data) > max_bytes:
        raise UploadRejected(Rejection.TOO_LARGE, n=max_bytes // 1024)
    data = data.removeprefix(codecs.BOM_UTF8)  # editors on Windows write one: it is no content
    if not data.strip():
        raise UploadRejected(Rejection.EMPTY)
    try:
        text = data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise UploadRejected(Rejection.NOT_UTF8, line=data[:exc.start].count(b"\n") + 1) from None
    invalid: list[Item] = []
    kept: list[str] = []
    lines: dict[str, int] = {}
    for start, block in _blocks(text):
        msgid, offset = _msgid(block)
        bad = catalogs.lint_po(block)
        if bad and msgid:  # one broken entry: reported, the others go on
            number, line_text = bad[0]
            invalid.append(Item(Outcome.INVALID, msgid, start + number - 1, problem=Problem.SYNTAX,
                                detail=line_text[:80]))
            continue
        if bad:  # the header or text that is no entry at all
            raise UploadRejected(Rejection.SYNTAX, lines=tuple((start + n - 1, t[:80]) for n, t in bad[:10]))
        kept.append(block)
        if msgid:
            lines.setdefault(msgid, start + offset)
    language = (catalogs.header_language(text) or "").replace("-", "_")
    if not language:  # a file that does not say its language could be any locale's
        raise UploadRejected(Rejection.NO_LANGUAGE, locale=locale)
    if language.split("_")[0] != locale:
        raise UploadRejected(Rejection.LANGUAGE, found=language, locale=locale)
    twice = set(catalogs.duplicates("\n\n".join(kept)))
    if twice:  # Babel would keep one of them silently: neither is taken
        invalid += [Item(Outcome.INVALID, m, lines.get(m, 0), problem=Problem.DUPLICATE) for m in sorted(twice)]
    try:
        uploaded = catalogs.parse_po("\n\n".join(kept) + "\n", locale)
    except catalogs.CatalogError as exc:
        raise UploadRejected(Rejection.INVALID, detail=exc.reason) from None
    charset = (uploaded.charset or "utf-8").lower().replace("_", "-")
    if charset not in ("utf-8", "utf8"):
        raise UploadRejected(Rejection.CHARSET, charset=charset)
    current = store.load(locale)
    try:
        plural_ok = uploaded.num_plurals == current.num_plurals and uploaded.plural_expr == current.plural_expr
    except (ValueError, TypeError, IndexError):
        plural_ok = False
    if not plural_ok:
        raise UploadRejected(Rejection.PLURALS, expected=current.plural_forms)
    if not any(m.id and m.id in current for m in uploaded) and not invalid:
        raise UploadRejected(Rejection.FOREIGN)
    for msgid in twice:
        if msgid in uploaded:
            uploaded.delete(msgid)
    mark = MARK_RE.search(text[:4096])
    return Parsed(uploaded, lines, invalid, int(mark.group(1)) if mark else None)


def _strings(message: Message, catalog: Catalog) -> tuple[str, ...]:
    """A message's text as the workbench holds it (normalized like an edit)."""
    return tuple(normalize_text(s) for s in to_entry(message, catalog).strings)


def plan(conn: Connection, locale: str, current: Catalog, parsed: Parsed, mode: Mode,
         context: catalogs.CheckContext | None = None) -> Plan:
    """What the upload would do to the catalog as it is now; nothing is written. Entries with errors are invalid;
    the checks' warnings (``context``: the locale's glossary...) go with the entry and refuse nothing."""
    result = Plan(mode, stale=parsed.mark is None, items=list(parsed.invalid))
    # No mark: the file's basis is unknown, so it counts as older than every web edit.
    changed_here = audit.changed_since(conn, locale, parsed.mark or 0)
    proposals = review.waiting(conn, locale)
    for incoming in parsed.catalog:
        if not incoming.id:
            continue
        message = current.get(incoming.id, incoming.context)
        if message is None:
            result.unknown += 1
            continue
        if not catalogs.filled(incoming.string):
            continue  # an empty entry never erases a translation
        entry: CatalogEntry = to_entry(message, current)
        line = parsed.lines.get(entry.msgid, 0)
        # The checks before normalizing: the marks check refuses a run whose normalization costs its square (H1).
        found = catalogs.check_message(incoming, parsed.catalog, None, context)
        findings, warned = tuple(catalogs.errors(found)), tuple(catalogs.warnings(found))
        if findings:
            shown = () if any(f.check == "marks" for f in findings) else _strings(incoming, parsed.catalog)
            result.items.append(Item(Outcome.INVALID, entry.msgid, line, entry.strings, shown, findings))
            continue
        new = _strings(incoming, parsed.catalog)
        if new == entry.strings and incoming.fuzzy == entry.fuzzy:
            result.unchanged += 1
            continue
        if mode == Mode.SUGGEST:
            outcome = Outcome.KEPT if entry.plural else Outcome.SUGGEST  # suggestions are single texts
            result.items.append(Item(outcome, entry.msgid, line, entry.strings, new, context=entry.context))
            continue
        if (mode == Mode.FILL and entry.status != Status.MISSING) or (incoming.fuzzy and entry.status == Status.HUMAN):
            result.items.append(Item(Outcome.KEPT, entry.msgid, line, entry.strings, new, context=entry.context))
            continue
        pending = proposals.get(entry.key)
        if (entry.msgid in changed_here and new != entry.strings) or (pending and pending.strings != new):
            result.items.append(Item(Outcome.CONFLICT, entry.msgid, line, pending.strings if pending else entry.strings,
                                     new, context=entry.context))
            continue
        result.items.append(Item(Outcome.CHANGE, entry.msgid, line, entry.strings, new, warned, context=entry.context))
    result.items.sort(key=lambda i: i.line)
    return result


def preview(store: Store, conn: Connection, locale: str, data: bytes, mode: Mode, max_bytes: int) -> Plan:
    """What an upload would do now; nothing is written."""
    parsed = read(store, locale, data, max_bytes)
    return plan(conn, locale, store.load(locale), parsed, mode, store.context(locale))


def apply(store: Store, conn: Connection, locale: str, data: bytes, mode: Mode, username: str, max_bytes: int,
          publish: bool) -> tuple[Plan, str | None]:
    """Carry an upload out, planned again under the catalog's lock; return the plan and a compile error, if any.

    ``publish``: the uploader may approve their own text, so changes go into the catalog as reviewed;
    otherwise each becomes a proposal for review (an unreviewed text from the file stays unreviewed).
    """
    parsed = read(store, locale, data, max_bytes)
    with store.lock(locale):
        journal.reconcile_catalog(conn, store.path(locale), locale, store.domain)
        catalog = store.load(locale)
        result = plan(conn, locale, catalog, parsed, mode, store.context(locale))
        if mode == Mode.SUGGEST:
            _suggest(conn, locale, result.of(Outcome.SUGGEST), username)
            return result, None
        changes: list[audit.Change] = []
        proposals: list[tuple[CatalogEntry, tuple[str, ...]]] = []
        for item in result.of(Outcome.CHANGE):
            message = catalog.get(item.msgid, item.context)
            incoming = parsed.catalog.get(item.msgid, item.context)
            if message is None or incoming is None:  # planned from these very catalogs: cannot happen
                continue
            before = to_entry(message, catalog)
            if not publish and not incoming.fuzzy:
                proposals.append((before, item.new))
                continue
            message.string = incoming.string
            if incoming.fuzzy:
                message.flags.add("fuzzy")
            else:
                message.flags.discard("fuzzy")
                message.previous_id = []
            drop_machine_marks(message, user_comments=False)
            if incoming.fuzzy:  # a machine mark only means something on an unreviewed entry
                message.auto_comments.extend(catalogs.machine_comments(incoming))
            after = to_entry(message, catalog)
            changes.append(audit.Change(username, locale, "upload", before.msgid, "\n".join(before.strings),
                                        "\n".join(after.strings), ",".join(before.flags), ",".join(after.flags)))
        if proposals:
            with db.transaction(conn):
                for entry, strings in proposals:
                    review.put(conn, locale, entry, strings, username, action="upload")
        error = None
        if changes:
            _, error = store.commit(conn, locale, catalog, username, changes)
    return result, error


def _suggest(conn: Connection, locale: str, items: list[Item], username: str) -> None:
    """Queue each text of an upload in "suggest" mode as a suggestion by the uploader."""
    if not items:
        return
    with db.transaction(conn):
        conn.execute(insert(wb_suggestions), [
            {"locale": locale, "slug": "", "block_id": "", "msgid": i.msgid, "shown": "\n".join(i.old),
             "text": "\n".join(i.new), "author": username} for i in items])


def keep(conn: Connection, username: str, locale: str, mode: Mode, data: bytes) -> str:
    """Hold an upload between preview and confirmation (the database: every server sees it); return its token."""
    token = secrets.token_urlsafe(24)
    old = (datetime.now(UTC) - timedelta(hours=PREVIEW_HOURS)).strftime(TIMESTAMP_FORMAT)
    with db.transaction(conn):
        conn.execute(delete(wb_upload_previews).where(wb_upload_previews.c.created < old))
        conn.execute(insert(wb_upload_previews).values(id=token, username=username, locale=locale, mode=str(mode),
                                                       data=data))
    return token


def take(conn: Connection, token: str, username: str, locale: str) -> tuple[Mode, bytes] | None:
    """The upload a preview held for this user and locale, removed from the store (None: gone or someone else's)."""
    if not TOKEN_RE.match(token or ""):
        return None
    with db.transaction(conn):
        row = conn.execute(select(wb_upload_previews).where(
            wb_upload_previews.c.id == token, wb_upload_previews.c.username == username,
            wb_upload_previews.c.locale == locale)).first()
        if row is None:
            return None
        conn.execute(delete(wb_upload_previews).where(wb_upload_previews.c.id == token))
    return Mode(row.mode), bytes(row.data)
