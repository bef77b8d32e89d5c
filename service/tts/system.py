"""What the MBROLA and RHVoice backends share: voices installed by the system, chosen per locale, read beside espeak-ng.

A locale's voice is a file set that Debian installs (``/usr/share/mbrola/de6``, ``/usr/share/RHVoice/voices/magda``).
Languages without such a voice (a German block on a Russian page) are read by espeak-ng inside the same audio, as
with Piper, and every segment leaves at one rate (``pcm.OUTPUT_RATE``). A voice that is missing, or that failed
while speaking, is not usable: its locale falls back to espeak-ng (``TTS.backend_for``) until it works again.
"""
from __future__ import annotations

import enum
import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .base import Backend, BackendError, BackendUnavailable, Synthesis
from .pcm import OUTPUT_RATE, resampled

log = logging.getLogger(__name__)

#: Voice ids of languages without a voice of this backend: their blocks are read by espeak-ng.
ESPEAK_PREFIX = "espeak:"
#: After a voice failed while speaking, it rests this long (its locale falls back to espeak-ng meanwhile).
COOLDOWN_SECONDS = 300.0
#: Speeds the engines are asked to follow.
MIN_SPEED, MAX_SPEED = 0.5, 2.0


class VoiceState(enum.StrEnum):
    """Whether a configured voice can speak now."""

    OK = "ok"
    MISSING = "missing"
    FAILED = "failed"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class VoiceInfo:
    """An installed voice: its name in TTS_BACKENDS, the language it speaks, licence, size and files."""

    backend: str
    name: str
    language: str
    licence: str
    size: int
    files: tuple[Path, ...]

    @property
    def spec(self) -> str:
        """How TTS_BACKENDS names it: ``mbrola:de6``."""
        return f"{self.backend}:{self.name}"

    def fingerprint(self) -> str:
        """A short hash of the voice's files (names, sizes, modification times): changes with the installed version."""
        digest = hashlib.sha256()
        for path in self.files:
            try:
                st = path.stat()
            except OSError:
                continue
            digest.update(f"{path.name}:{st.st_size}:{st.st_mtime_ns};".encode())
        return digest.hexdigest()[:12]


def folder_size(folder: Path) -> int:
    """Bytes of the regular files below a folder."""
    try:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    except OSError:
        return 0


class SystemVoiceBackend:
    """A backend of system-installed voices chosen per locale; subclasses speak with their engine."""

    name = "system"

    def __init__(self, voices: dict[str, str] | None = None, fallback: Backend | None = None):
        """``voices`` maps a locale to a voice name; ``fallback`` (espeak-ng) reads languages without one."""
        self.voices = dict(voices or {})
        self.fallback = fallback
        self._failed: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    # -- what a subclass provides

    def engine_error(self) -> str | None:
        """Why the engine cannot speak at all here (None when it can); never raises."""
        raise NotImplementedError

    def engine_version(self) -> str:
        """The engine's version (part of every cache key)."""
        raise NotImplementedError

    def installed(self) -> dict[str, VoiceInfo]:
        """Every installed voice of this engine, by name."""
        raise NotImplementedError

    def speak(self, voice: VoiceInfo, text: str, speed: float) -> Synthesis:
        """Speak ``text`` with an installed voice, at the voice's own rate; raise BackendError on failure."""
        raise NotImplementedError

    # -- the Backend protocol

    @property
    def version(self) -> str:
        """Engine version and that of espeak-ng (other-language blocks); part of every cache key."""
        espeak = self.fallback.version if self.fallback is not None else "none"
        return f"{self.name}-{self.engine_version()}+espeak-{espeak}"

    def available(self) -> bool:
        """Whether the engine can speak (each voice is checked on its own)."""
        return self.engine_error() is None

    def languages(self) -> dict[str, str]:
        """Locale -> voice id: ``name@fingerprint`` where the locale's voice is usable, else ``espeak:<voice>``."""
        langs: dict[str, str] = {}
        if self.fallback is not None:
            langs.update({loc: ESPEAK_PREFIX + v for loc, v in self.fallback.languages().items()})
        installed = self.installed() if self.available() else {}
        for locale, name in self.voices.items():
            if name in installed and self.status(name)[0] == VoiceState.OK:
                langs[locale] = f"{name}@{installed[name].fingerprint()}"
        return langs

    def state(self) -> dict[str, Any]:
        """A JSON-ready description for the health endpoint: each configured voice's state, no paths."""
        return {"available": self.available(),
                "voices": {name: str(self.status(name)[0]) for name in sorted(set(self.voices.values()))}}

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Speak ``text``: with the named voice, or with espeak-ng for ``espeak:<voice>``; at OUTPUT_RATE."""
        if voice.startswith(ESPEAK_PREFIX):
            if self.fallback is None:
                raise BackendError(f"no espeak-ng fallback for {voice}")
            return resampled(self.fallback.synthesize(text, voice[len(ESPEAK_PREFIX):], speed), OUTPUT_RATE)
        error = self.engine_error()
        if error:
            raise BackendUnavailable(error)
        name = voice.partition("@")[0]
        info = self.installed().get(name)
        if info is None:
            raise BackendError(f"{self.name} voice {name} is not installed")
        speed = min(MAX_SPEED, max(MIN_SPEED, float(speed)))
        try:
            syn = self.speak(info, text, speed)
        except BackendError as exc:
            self._fail(name, str(exc))
            raise
        except Exception as exc:  # the engine failed on this text in a way it does not report itself
            self._fail(name, f"{type(exc).__name__}: {exc}")
            raise BackendError(f"{self.name} voice {name} failed: {exc}") from exc
        if not syn.pcm:  # nothing sayable (only signs): a short silence, not a failure of the voice
            syn = Synthesis(sample_rate=OUTPUT_RATE, duration_ms=100.0, pcm=b"\0\0" * (OUTPUT_RATE // 10))
        with self._lock:
            self._failed.pop(name, None)
        return resampled(syn, OUTPUT_RATE)

    # -- per-locale health, used by TTS for the fallback to espeak-ng

    def usable(self, locale: str) -> bool:
        """Whether the locale's voice is installed and has not failed lately."""
        name = self.voices.get(locale)
        return name is not None and self.status(name)[0] == VoiceState.OK

    def status(self, name: str) -> tuple[VoiceState, str]:
        """A voice's state and, for operators, why."""
        error = self.engine_error()
        if error:
            return VoiceState.UNAVAILABLE, error
        if name not in self.installed():
            return VoiceState.MISSING, f"no {self.name} voice {name} installed (see docs/operate/debian-voices.md)"
        with self._lock:
            failed = self._failed.get(name)
        if failed and time.monotonic() - failed[0] < COOLDOWN_SECONDS:
            return VoiceState.FAILED, failed[1]
        return VoiceState.OK, "installed"

    def _fail(self, name: str, why: str) -> None:
        """Rest a voice that failed while speaking (its locales use espeak-ng for a while)."""
        with self._lock:
            self._failed[name] = (time.monotonic(), why[:300])
        log.error("%s voice %s failed, its locales fall back to espeak-ng for %.0f s: %s",
                  self.name, name, COOLDOWN_SECONDS, why)
