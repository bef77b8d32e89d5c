"""Gettext catalogs on disk: reading, checking, atomic writing and compiling, through Babel's API."""
from __future__ import annotations

import difflib
import fcntl
import io
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, denormalize, normalize, read_po, write_po

from .core.syntax import LINK_RE, PLACEHOLDER_RE, TAG_RE

#: An auto comment starting with this marks a machine suggestion (written by ``flask mt fill``).
MACHINE_COMMENT_PREFIX = "machine-translated"



class CatalogError(Exception):
    """A catalog cannot be read or does not pass its checks."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one entry of a catalog."""

    msgid: str
    text: str


def po_path(directory: str | Path, locale: str, domain: str = "messages") -> Path:
    """Where a locale's .po file of a domain lives."""
    return Path(directory) / locale / "LC_MESSAGES" / f"{domain}.po"


@contextmanager
def catalog_lock(po: Path) -> Iterator[None]:
    """Hold the lock of one .po file across processes (fcntl.flock on a file beside it).

    Every writer of a catalog (workbench save and upload, ``flask i18n update``, ``flask mt fill``)
    reads, changes and writes it inside this lock, so no save overwrites another.
    """
    po = Path(po)
    po.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(po.parent / f".{po.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released by the kernel too if the process dies
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write a file so that readers see the old or the new content, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


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


def parse_po(data: bytes | str, locale: str | None = None) -> Catalog:
    """Parse .po text strictly; raise CatalogError with the line on a syntax error."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"not UTF-8 (byte {exc.start})") from None
    bad = lint_po(text)
    if bad:
        number, line = bad[0]
        raise CatalogError(f"syntax error on line {number}: {line[:60]!r}")
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
    return parse_po(path.read_bytes(), locale=locale)


def dump_po(catalog: Catalog) -> bytes:
    """Serialize a catalog as .po text, keeping previous msgids (``#| msgid``) of outdated entries.

    Babel wraps a long previous msgid like prose, breaking its quotes; we write those lines ourselves.
    """
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, include_previous=False, sort_output=False)
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
    """Write a catalog atomically."""
    atomic_write_bytes(path, dump_po(catalog))


def is_machine(message: Message) -> bool:
    """Tell whether an entry holds an unreviewed machine suggestion."""
    return message.fuzzy and any(
        c.startswith(MACHINE_COMMENT_PREFIX) for c in [*message.auto_comments, *message.user_comments]
    )


#: How alike an outdated entry's old and new source must be for readers to be shown its translation.
OUTDATED_SIMILARITY = 0.8


def close_to_previous(message: Message) -> bool:
    """Tell whether an outdated translation still fits: its old source is close to the new one.

    Babel's fuzzy matching also pairs new short strings with unrelated old ones ("Übersetzung veraltet"
    with "Durchsetzungsverfahren"); such a guess is a hint for translators, not text for readers.
    """
    if not message.previous_id:
        return False
    old = message.previous_id[0]
    new = message.id if isinstance(message.id, str) else message.id[0]
    return difflib.SequenceMatcher(None, old, new).ratio() >= OUTDATED_SIMILARITY


def status(message: Message | None) -> str:
    """One of human, machine, outdated, missing."""
    if message is None or not _strings(message.string):
        return "missing"
    if message.fuzzy:
        return "machine" if is_machine(message) else "outdated"
    return "human"


def _strings(value: str | tuple | list | None) -> list[str]:
    """The non-empty translations of an entry (one, or one per plural form)."""
    if not value:
        return []
    values = [value] if isinstance(value, str) else list(value)
    return [v for v in values if v]


def check_pair(msgid: str, msgstr: str) -> list[str]:
    """Compare one translation with its source: placeholders, links and markup must match."""
    problems = []
    src = sorted(PLACEHOLDER_RE.findall(msgid))
    dst = sorted(PLACEHOLDER_RE.findall(msgstr))
    if src != dst:
        problems.append(f"placeholders differ: source has {src or 'none'}, translation has {dst or 'none'}")
    src_links = sorted(url for _, url in LINK_RE.findall(msgid))
    dst_links = sorted(url for _, url in LINK_RE.findall(msgstr))
    if src_links != dst_links:
        problems.append(f"links differ: source has {src_links or 'none'}, translation has {dst_links or 'none'}")
    if sorted(TAG_RE.findall(msgid)) != sorted(TAG_RE.findall(msgstr)):
        problems.append("markup differs: the translation must keep the same tags as the source")
    if msgstr != msgstr.strip() and msgid == msgid.strip():
        problems.append("the translation starts or ends with white space")
    return problems


def check_message(message: Message, catalog: Catalog, require_complete: bool = False) -> list[str]:
    """Problems of one entry: empty or fuzzy (when complete is required), placeholders, markup, plurals."""
    if not message.id:
        return []
    strings = _strings(message.string)
    if not strings:
        return ["no translation"] if require_complete else []
    problems = []
    if require_complete and message.fuzzy:
        problems.append("marked fuzzy (not reviewed)")
    if message.pluralizable:
        expected = catalog.num_plurals
        got = len(message.string) if isinstance(message.string, (list, tuple)) else 1
        if got != expected:
            problems.append(f"plural forms: {expected} expected, {got} given")
        if any(not s for s in (message.string or ())):
            problems.append("a plural form is empty")
        msgid_plural = message.id[1]
        for form in strings:
            problems += check_pair(msgid_plural if "%(" in msgid_plural else message.id[0], form)
    else:
        problems += check_pair(message.id, strings[0])
    return sorted(set(problems))


def check_catalog(catalog: Catalog, template: Catalog | None = None, require_complete: bool = False) -> list[Problem]:
    """Every problem in a catalog, optionally against its template (missing entries)."""
    problems: list[Problem] = []
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0]
        for text in check_message(message, catalog, require_complete):
            problems.append(Problem(key, text))
    if template is not None and require_complete:
        for message in template:
            if message.id and message.id not in catalog:
                key = message.id if isinstance(message.id, str) else message.id[0]
                problems.append(Problem(key, "missing from the catalog"))
    return problems


def compile_po(po: Path, mo: Path | None = None) -> Path:
    """Compile a .po into its .mo after checking it; the old .mo stays if anything is wrong."""
    catalog = load_po(po)
    problems = check_catalog(catalog)
    if problems:
        listing = "; ".join(f"{p.msgid[:40]!r}: {p.text}" for p in problems[:5])
        raise CatalogError(f"{po}: {len(problems)} problem(s): {listing}")
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    target = mo or po.with_suffix(".mo")
    atomic_write_bytes(target, buf.getvalue())
    return target


def counts(catalog: Catalog) -> dict[str, int]:
    """How many entries are human, machine, outdated and missing."""
    result = {"human": 0, "machine": 0, "outdated": 0, "missing": 0}
    for message in catalog:
        if message.id:
            result[status(message)] += 1
    return result
