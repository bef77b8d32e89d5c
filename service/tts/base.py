"""The small protocol every speech backend follows, and what a synthesis returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class BackendError(Exception):
    """A backend failed to synthesize a text."""


class BackendUnavailable(BackendError):
    """A backend cannot work at all here (library missing, network unreachable)."""


@dataclass(frozen=True)
class Event:
    """A spoken word or sentence: audio time span in ms and character span in the spoken text."""

    start: float
    end: float
    text_start: int
    text_len: int


@dataclass
class Synthesis:
    """The result of one synthesis: 16-bit mono PCM (or ready MP3) plus timings."""

    sample_rate: int
    duration_ms: float
    pcm: bytes | None = None
    mp3: bytes | None = None
    words: list[Event] = field(default_factory=list)
    sentences: list[Event] = field(default_factory=list)


@runtime_checkable
class Backend(Protocol):
    """What the audio cache needs from a speech engine."""

    name: str

    @property
    def version(self) -> str:
        """Engine version; part of every cache key."""

    def languages(self) -> dict[str, str]:
        """Locale -> voice name."""

    def available(self) -> bool:
        """Whether synthesis can work now (probed lazily, never raises)."""

    def state(self) -> dict[str, Any]:
        """JSON-ready state for the health endpoint."""

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Speak one text; raise BackendError on failure."""


@runtime_checkable
class VoicedBackend(Backend, Protocol):
    """A backend whose voices are files chosen per locale, each of which can be missing or broken."""

    voices: dict[str, str]  # locale -> voice name

    def usable(self, locale: str) -> bool:
        """Whether the locale's voice can speak now (when not, the locale falls back to espeak-ng)."""

    def status(self, name: str) -> tuple[str, str]:
        """A voice's state ("ok", "missing", "broken", "failed", ...) and, for operators, why."""
