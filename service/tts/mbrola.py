"""MBROLA diphone voices (Debian ``mbrola-*``, contrib/non-free), spoken through Debian's libespeak-ng in-process.

espeak-ng's front end (text, numbers, phonemes, word and sentence events) stays espeak-ng's; its ``mb-*`` voices
hand the phonemes to the ``mbrola`` program, which renders them with the diphone database. The espeakng-loader
wheel's library is built without MBROLA support ("Bad voice attribute: mbrola"), so this backend loads Debian's
``libespeak-ng.so.1`` (1.51, which has it and ships the ``mb-*`` voices and ``mbrola_ph`` tables) as a second,
private copy (RTLD_DEEPBIND, by full path: the wheel's library has the same soname) beside the wheel's.
"""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import time
from pathlib import Path
from typing import Any, ClassVar

from . import mbrola_tables
from .base import Backend, Synthesis
from .espeak import CHARS_UTF8, ENDPAUSE, INITIALIZE_DONT_EXIT, INITIALIZE_PHONEME_EVENTS, EspeakLibrary
from .system import SystemVoiceBackend, VoiceInfo

#: Where Debian's mbrola-* packages put the diphone databases: /usr/share/mbrola/<voice>/<voice>.
MBROLA_DIR = "/usr/share/mbrola"
#: Where Debian's libespeak-ng1 lives (multiarch folders first).
LIBRARY_GLOBS = ("/usr/lib/*-linux-gnu/libespeak-ng.so.1", "/usr/lib64/libespeak-ng.so.1", "/usr/lib/libespeak-ng.so.1")
#: Licence of the MBROLA databases (each package's copyright file has the full terms).
LICENCE = "MBROLA licence: non-commercial, non-military use only"
#: How long the list of installed voices is reused before the folders are looked at again.
SCAN_SECONDS = 10.0


def debian_library() -> str | None:
    """The path of Debian's libespeak-ng.so.1, or None."""
    for pattern in LIBRARY_GLOBS:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


class MbrolaBackend(SystemVoiceBackend):
    """MBROLA voices chosen per locale (``mbrola:de6``); other languages are read by the wheel's espeak-ng."""

    name = "mbrola"
    #: One loaded copy of Debian's library per process (its engine state is global, behind its lock).
    _libraries: ClassVar[dict[tuple[str, str | None], EspeakLibrary]] = {}

    def __init__(self, voices: dict[str, str] | None = None, fallback: Backend | None = None,
                 library: str | None = None, data: str | None = None, mbrola_dir: str = MBROLA_DIR):
        """``library``/``data`` override where Debian's libespeak-ng and its data are; ``mbrola_dir`` the databases."""
        super().__init__(voices, fallback)
        self.library_path = library or debian_library()
        self.data = data or (str(Path(self.library_path).parent / "espeak-ng-data") if self.library_path else None)
        self.mbrola_dir = Path(mbrola_dir)
        self._scan: tuple[float, dict[str, VoiceInfo]] = (-SCAN_SECONDS, {})

    def _library(self) -> EspeakLibrary:
        """Debian's libespeak-ng, loaded once per process for this path."""
        key = (self.library_path or "", self.data)
        lib = self._libraries.get(key)
        if lib is None:
            path, data = key
            # espeak-ng reads its MBROLA tables from the data folder: a private copy with corrected tables.
            lib = EspeakLibrary(lambda: (path, mbrola_tables.private_data(data) if data else data),
                                options=INITIALIZE_DONT_EXIT | INITIALIZE_PHONEME_EVENTS, flags=CHARS_UTF8 | ENDPAUSE,
                                private=True, phoneme_words=True)
            lib = self._libraries.setdefault(key, lib)  # atomic: two threads end up with the same library
        return lib

    def engine_error(self) -> str | None:
        """Why MBROLA cannot speak here: the library, its mb voices or the mbrola program missing."""
        if not self.library_path or not os.path.exists(self.library_path):
            return "Debian's libespeak-ng1 is not installed (apt-get install libespeak-ng1 espeak-ng-data)"
        if not self.data or not os.path.isdir(os.path.join(self.data, "voices", "mb")):
            return f"no espeak-ng mb-* voices in {self.data} (apt-get install espeak-ng-data)"
        if shutil.which("mbrola") is None:
            return "the mbrola program is not installed (apt-get install mbrola, Debian contrib)"
        state = self._library().state()
        return state.get("error")

    def engine_version(self) -> str:
        """Debian's espeak-ng version, a fingerprint of the mbrola program and one of our table corrections."""
        program = shutil.which("mbrola")
        stamp = "none"
        if program:
            st = os.stat(program)
            stamp = hashlib.sha256(f"{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:8]
        return f"espeak-ng-{self._library().version}+mbrola-{stamp}+tables-{mbrola_tables.fingerprint()}"

    def installed(self) -> dict[str, VoiceInfo]:
        """Every database in ``mbrola_dir`` that espeak-ng has an ``mb-<name>`` voice for (looked up every 10 s)."""
        at, found = self._scan
        if time.monotonic() - at < SCAN_SECONDS:
            return found
        found = {}
        voices_dir = Path(self.data or "/nonexistent") / "voices" / "mb"
        for db in sorted(self.mbrola_dir.glob("*/*")):
            name = db.name
            voice_file = voices_dir / f"mb-{name}"
            if db.parent.name != name or not db.is_file() or not voice_file.is_file():
                continue
            language = _voice_language(voice_file)
            found[name] = VoiceInfo(self.name, name, language, LICENCE, db.stat().st_size, (db, voice_file))
        self._scan = (time.monotonic(), found)
        return found

    def speak(self, voice: VoiceInfo, text: str, speed: float) -> Synthesis:
        """espeak-ng's ``mb-<name>`` voice: PCM at the database's rate, timings from the samples produced."""
        return self._library().speak(text, f"mb-{voice.name}", speed)

    def state(self) -> dict[str, Any]:
        """The health description (each configured voice's state)."""
        return super().state()


def _voice_language(path: Path) -> str:
    """The first ``language`` of an espeak-ng voice file, as a plain locale (``en-us`` -> ``en``)."""
    try:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "language":
                return parts[1].split("-")[0]
    except OSError:
        pass
    return "?"
