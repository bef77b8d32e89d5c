"""Corrections to espeak-ng's phoneme tables for MBROLA voices, in a private data folder beside Debian's.

espeak-ng maps its own phonemes to a database's with ``mbrola_ph/<voice>_phtrans`` (compiled from its
``phsource/mbrola/<voice>`` sources). Debian's espeak-ng 1.51 speaks Arabic ``ر`` as the trill ``R``, which the
``ar1``/``ar2`` tables do not list: espeak-ng passes ``R`` on, the database has no such phoneme, and ``mbrola``
replaces every diphone with it by silence (``a-R unknown, replaced with _-_``): about one word in three of an
Arabic page lost its r. ``ROWS`` adds the missing rows in espeak-ng's source format, and ``overlay`` makes a data
folder that is Debian's (symbolic links) except for the corrected tables, which the MBROLA backend loads instead
(espeak-ng reads the tables from its data folder only, and Debian's files are left alone).
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import stat
import struct
import tempfile
import threading
from pathlib import Path

log = logging.getLogger(__name__)

#: Table file -> rows put before Debian's (the first matching row wins), as in espeak-ng's phsource/mbrola files:
#: ``control phoneme next-phoneme percent mbrola-phoneme [second-mbrola-phoneme]``.
ROWS: dict[str, tuple[str, ...]] = {
    "ar1_phtrans": ("0 R NULL 0 r",),  # espeak-ng 1.51's Arabic trill: the database's r
    "ar2_phtrans": ("0 R NULL 0 r",),
}
#: Table file -> volume (in 16ths) instead of the table's own: ar2 shares ar1's 50, which clips ("Saturation on
#: a-a" hundreds of times a page); at 16 it does not on any page of ours (at 20, 50 times over all of them).
VOLUMES: dict[str, int] = {"ar2_phtrans": 16}
#: One compiled row: phoneme, next phoneme, mbrola phoneme, second mbrola phoneme, percent, control (int32 each).
ROW = struct.Struct("<6i")
#: Special next-phoneme names of the source format.
NEXT = {"NULL": 0, "VWL": 2}


def fingerprint() -> str:
    """A short hash of the corrections (part of the MBROLA backend's version, so cached audio is made again)."""
    return hashlib.sha256(repr((sorted(ROWS.items()), sorted(VOLUMES.items()))).encode()).hexdigest()[:8]


def _word(name: str) -> int:
    """A phoneme name packed into an int as espeak-ng does (up to 4 bytes, little-endian)."""
    raw = name.encode()[:4]
    return int.from_bytes(raw, "little")


def compile_row(line: str) -> bytes:
    """One source row in the compiled form (a ValueError for a malformed row)."""
    parts = line.split()
    if len(parts) not in (5, 6):
        raise ValueError(f"an MBROLA table row has 5 or 6 fields: {line!r}")
    control, phoneme, following, percent, first = parts[:5]
    second = _word(parts[5]) if len(parts) == 6 else 0
    nxt = NEXT.get(following, _word(following))
    mbr = 0 if first == "NULL" else _word(first)
    return ROW.pack(_word(phoneme), nxt, mbr, second, int(percent), int(control))


def patched(table: bytes, rows: tuple[str, ...], volume: int | None = None) -> bytes:
    """A compiled table with ``rows`` matched first: its volume word (or ``volume``), the new rows, then its own."""
    head = table[:4] if volume is None else struct.pack("<i", volume)
    return head + b"".join(compile_row(r) for r in rows) + table[4:]


def rows_of(table: bytes) -> list[tuple[int, ...]]:
    """The rows of a compiled table, without the terminator (for tests and checks)."""
    out = []
    for offset in range(4, len(table) - ROW.size + 1, ROW.size):
        row = ROW.unpack_from(table, offset)
        if row[0] == 0:
            break
        out.append(row)
    return out


def overlay(data: str | Path, folder: str | Path) -> Path:
    """Fill the empty ``folder`` with ``data`` (symbolic links) and the corrected tables (files of their own)."""
    data, folder = Path(data), Path(folder)
    tables = data / "mbrola_ph"
    for entry in data.iterdir():
        if entry.name != "mbrola_ph":
            (folder / entry.name).symlink_to(entry.resolve())
    (folder / "mbrola_ph").mkdir()
    for entry in tables.iterdir() if tables.is_dir() else ():
        if entry.name in ROWS or entry.name in VOLUMES:
            fixed = patched(entry.read_bytes(), ROWS.get(entry.name, ()), VOLUMES.get(entry.name))
            (folder / "mbrola_ph" / entry.name).write_bytes(fixed)
        else:
            (folder / "mbrola_ph" / entry.name).symlink_to(entry.resolve())
    return folder


def private_data(data: str) -> str:
    """The data folder to load: ``data`` with the corrections, in a folder of this user only (made once, atomically,
    named by a hash of Debian's tables and the corrections, so an upgrade makes a new one); ``data`` if that fails."""
    with _lock:
        made = _made.get(data)
        if made is None:
            try:
                made = str(_shared_copy(Path(data)))
            except OSError as exc:  # Debian's folder unreadable, no space: speak uncorrected rather than not at all
                log.warning("MBROLA table corrections not applied (%s): using %s as it is", exc, data)
                made = data
            _made[data] = made
    return made


def _shared_copy(data: Path) -> Path:
    """The corrected copy of ``data`` under a private folder of this user in the temporary folder."""
    digest = hashlib.sha256(f"{data.resolve()};{fingerprint()}".encode())
    for name in sorted(set(ROWS) | set(VOLUMES)):
        try:
            st = (data / "mbrola_ph" / name).stat()
        except OSError:
            continue
        digest.update(f"{name}:{st.st_size}:{st.st_mtime_ns};".encode())
    root = Path(tempfile.gettempdir()) / f"herne-espeak-ng-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    st = root.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise OSError(f"{root} is not a private folder of this user")  # someone else's: never load their tables
    target = root / f"data-{digest.hexdigest()[:16]}"
    if (target / "mbrola_ph").is_dir():
        return target
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".data-"))
    try:
        overlay(data, tmp)
        tmp.chmod(0o755)
        try:
            os.rename(tmp, target)  # atomic: readers see no folder or a whole one
        except OSError:
            if not (target / "mbrola_ph").is_dir():  # not a process that made it first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


_lock = threading.Lock()
#: Debian's data folder -> this process's corrected copy.
_made: dict[str, str] = {}
