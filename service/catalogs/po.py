""".po files: strict parsing with a line lint, writing that keeps ``#| msgid``, atomic saves, template merges."""
from __future__ import annotations

import codecs
import io
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, denormalize, normalize, read_po, write_po

from ..core.files import atomic_write
from ..core.locks import Locks
from .checks import check_message, msgid_of


class CatalogError(Exception):
    """A catalog cannot be read (or, as CheckFailed, does not pass its checks)."""

    def __init__(self, reason: str, line: int | None = None):
        """Keep the reason (English, for logs and the command line) and the line it concerns, if any."""
        super().__init__(reason)
        self.reason = reason
        self.line = line


def po_path(directory: str | Path, locale: str, domain: str = "messages") -> Path:
    """Where a locale's .po file of a domain lives."""
    return Path(directory) / locale / "LC_MESSAGES" / f"{domain}.po"


def lock_name(locale: str, domain: str = "messages") -> str:
    """The name of the lock every writer of one catalog holds while it reads, changes and writes it."""
    return f"catalog:{locale}:{domain}"


_QUOTED = r'"(?:[^"\\]|\\.)*"'
#: One line of a .po file: a comment, a keyword with a quoted string, or a continued quoted string.
PO_LINE_RE = re.compile(
    rf"^(?:#.*|(?:#~\s*)?(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+{_QUOTED}|{_QUOTED})\s*$"
)


def lint_po(text: str) -> list[tuple[int, str]]:
    """Lines that are no .po syntax at all (Babel skips some of them silently), with their numbers."""
    bad = []
    for number, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        stripped = line.strip()
        if stripped and not PO_LINE_RE.match(stripped):
            bad.append((number, stripped))
    return bad


def header_language(text: str) -> str | None:
    """The Language field a .po file's header gives itself ("" when empty), or None when it has none."""
    lines = [ln.strip() for ln in text.lstrip("\ufeff").split("\n\n", 1)[0].split("\n")]
    start = next((i for i, ln in enumerate(lines) if ln.startswith("msgstr ")), None)
    if start is None or 'msgid ""' not in lines[:start]:
        return None  # the first entry is no header
    quoted = [lines[start][len("msgstr "):]] + [ln for ln in lines[start + 1:] if ln.startswith('"')]
    try:
        fields = denormalize("\n".join(quoted)).split("\n")
    except (ValueError, IndexError):
        return None
    for field in fields:
        name, _, value = field.partition(":")
        if name.strip().lower() == "language":
            return value.strip()
    return None


def duplicates(text: str) -> list[str]:
    """The msgids that a .po file has more than once (with the same context); Babel keeps one silently."""
    keys: list[tuple[str | None, str]] = []
    context: str | None = None
    parts: list[str] | None = None
    target = None
    for line in text.lstrip("\ufeff").split("\n"):
        line = line.strip()
        if line.startswith("msgctxt "):
            target = "ctx"
            context = denormalize(line[len("msgctxt "):])
        elif line.startswith("msgid "):
            target, parts = "id", [line[len("msgid "):]]
        elif line.startswith('"') and target == "id" and parts is not None:
            parts.append(line)
        elif target == "id" and parts is not None:
            keys.append((context, denormalize("\n".join(parts))))
            context, parts, target = None, None, None
        elif not line.startswith('"'):
            target = None if not line.startswith("msgctxt") else target
    if parts is not None:
        keys.append((context, denormalize("\n".join(parts))))
    return [msgid for (_, msgid), n in Counter(keys).items() if n > 1]


def parse_po(data: bytes | str, locale: str | None = None) -> Catalog:
    """Parse .po text strictly (a UTF-8 byte order mark is allowed); raise CatalogError on a syntax error."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"not UTF-8 (byte {exc.start})", line=data[:exc.start].count(b"\n") + 1) from None
    bad = lint_po(text)
    if bad:
        number, line = bad[0]
        raise CatalogError(f"syntax error on line {number}: {line[:60]!r}", line=number)
    try:
        catalog = read_po(io.BytesIO(data), locale=locale, abort_invalid=True)
    except PoFileError as exc:
        raise CatalogError(str(exc)) from None
    except (ValueError, UnicodeError) as exc:
        raise CatalogError(f"not a valid .po file: {exc}") from None
    _restore_previous_ids(text, catalog)
    return catalog


def _restore_previous_ids(text: str, catalog: Catalog) -> None:
    """Babel writes "#| msgid" (the old source of an outdated entry) but never reads it back: keep it."""
    for block in re.split(r"\n\s*\n", text):
        if "#| msgid" not in block:
            continue
        previous: list[str] = []
        current: list[str] = []
        target = None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#| msgid "):
                target = previous
                previous.append(line[len("#| msgid "):])
            elif line.startswith('#| "') and target is previous:
                previous.append(line[3:])
            elif line.startswith("msgid "):
                target = current
                current.append(line[len("msgid "):])
            elif line.startswith('"') and target is current:
                current.append(line)
            else:
                target = None if not line.startswith("#|") else target
        if previous and current:
            msgid = denormalize("\n".join(current))
            if msgid in catalog:
                message = catalog[msgid]
                message.previous_id = [denormalize("\n".join(previous))]
                # Babel keeps those lines as user comments too, and would write them back twice.
                message.user_comments = [c for c in message.user_comments if not c.startswith("|")]


def load_po(path: Path, locale: str | None = None) -> Catalog:
    """Read a .po file."""
    return parse_po(Path(path).read_bytes(), locale=locale)


def dump_po(catalog: Catalog) -> bytes:
    """Serialize a catalog as .po text, keeping previous msgids (``#| msgid``) of outdated entries.

    Babel wraps a long previous msgid like prose, breaking its quotes; we write those lines ourselves.
    """
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, include_previous=False, sort_output=False, include_lineno=False,
             ignore_obsolete=True)
    text = buf.getvalue().decode("utf-8")
    previous = {m.id: m.previous_id[0] for m in catalog if m.id and isinstance(m.id, str) and m.previous_id}
    if not previous:
        return text.encode("utf-8")
    blocks = text.split("\n\n")
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        start = next((n for n, ln in enumerate(lines) if ln.startswith(("msgctxt ", "msgid "))), None)
        if start is None:
            continue
        msgid = _read_msgid(lines)
        if msgid in previous:
            quoted = normalize(previous[msgid], width=0).split("\n")
            extra = [f"#| msgid {quoted[0]}"] + [f"#| {q}" for q in quoted[1:]]
            blocks[i] = "\n".join(lines[:start] + extra + lines[start:])
    return "\n\n".join(blocks).encode("utf-8")


def _read_msgid(lines: list[str]) -> str | None:
    """The msgid of one entry's lines (keyword line plus continued strings)."""
    parts: list[str] = []
    for line in lines:
        if line.startswith("msgid "):
            parts.append(line[len("msgid "):])
        elif parts and line.startswith('"'):
            parts.append(line)
        elif parts:
            break
    return denormalize("\n".join(parts)) if parts else None


def save_po(path: Path, catalog: Catalog) -> None:
    """Write a catalog atomically (readers see the old or the new file, never a part)."""
    atomic_write(path, dump_po(catalog))


#: Who translates, for the headers of new catalogs (a workbench save names the account instead).
TEAM_ADDRESS = "translators@herne.invalid"


def project_header(catalog: Catalog, locale: str) -> None:
    """Give a catalog the project's header: comment, team and translator (never Babel's FULL NAME placeholders)."""
    name = Locale.parse(locale).get_display_name("en") or locale
    catalog.header_comment = (f"# {name} catalog of herne-talente: the education pages of the city of Herne.\n"
                              f"# Copyright (C) {datetime.now(UTC).year} Stadt Herne\n"
                              "# Distributed under the same licence as herne-talente (EUPL-1.2).\n#")
    catalog.language_team = f"{name} <{TEAM_ADDRESS}>"
    catalog.last_translator = f"Übersetzungsteam Stadt Herne <{TEAM_ADDRESS}>"
    catalog.msgid_bugs_address = TEAM_ADDRESS


def new_catalog(template: Catalog, locale: str, domain: str = "messages") -> Catalog:
    """A locale's empty catalog with every message of a template, and the project's header."""
    catalog = Catalog(locale=locale, domain=domain, project=template.project, version=template.version,
                      msgid_bugs_address=template.msgid_bugs_address, copyright_holder=template.copyright_holder,
                      revision_date=datetime.now(UTC))
    project_header(catalog, locale)
    for message in template:
        if message.id:
            catalog.add(message.id, None, message.locations, auto_comments=message.auto_comments,
                        flags=message.flags, context=message.context)
    return catalog


#: The translator comment that keeps a translation a merge had to take out.
UNFIT_COMMENT = "previous translation, which no longer fits the source: "


def _unfit_after_merge(catalog: Catalog, before: set[tuple[str, str | None]]) -> int:
    """Take out every translation the merge made fail a check (a fuzzy match with other placeholders, say).

    Such a translation would keep the catalog from compiling, or break the page it is shown on;
    its text stays in a translator comment. Entries that failed before the merge are left as they were.
    """
    taken = 0
    for message in catalog:
        key = (msgid_of(message), message.context) if message.id else None
        if key is None or key in before or not check_message(message, catalog):
            continue
        forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        old = " | ".join(f for f in forms if f).replace("\n", "\\n")
        message.user_comments.append(UNFIT_COMMENT + old)
        message.string = ("",) * len(forms) if message.pluralizable else ""
        message.flags.discard("fuzzy")
        message.previous_id = []
        taken += 1
    return taken


def update_po(path: Path, template: Catalog, locale: str, locks: Locks, domain: str = "messages",
              fuzzy: bool = True, writer: Callable[[Path, Catalog], None] | None = None) -> Catalog:
    """Merge a template into a .po under its lock: new messages added, changed ones kept as fuzzy (outdated).

    With ``fuzzy`` off (the lexicon: a term is not a sentence) no similar entry's text is guessed.
    A merge never leaves a translation that fails the checks where there was none before (see _unfit_after_merge).
    ``writer(path, catalog)`` writes the result (lock held; default: save_po), e.g. with its audit rows.
    """
    with locks.hold(lock_name(locale, domain)):
        catalog = load_po(path, locale)
        before = {(msgid_of(m), m.context) for m in catalog if m.id and check_message(m, catalog)}
        created = catalog.creation_date
        catalog.update(template, no_fuzzy_matching=not fuzzy, update_header_comment=False)
        catalog.creation_date = created  # the template carries no date: keep the file stable
        _unfit_after_merge(catalog, before)
        (writer or save_po)(path, catalog)
    return catalog
