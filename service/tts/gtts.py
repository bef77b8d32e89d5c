"""gTTS: opt-in online speech backend (sends the text to Google); off unless configured."""
from __future__ import annotations

import threading
import time
from importlib.metadata import version as dist_version
from typing import Any

from .base import BackendError, BackendUnavailable, Event, Synthesis
from .mp3 import mp3_info
from .text import word_starts

#: Page locale -> gTTS language code.
LANGS: dict[str, str] = {"de": "de", "en": "en", "tr": "tr", "ar": "ar", "pl": "pl", "uk": "uk", "ro": "ro", "ru": "ru"}
#: After a failure the backend counts as down this long, so pages never wait on timeouts.
COOLDOWN_SECONDS = 60.0


class GttsBackend:
    """Speech from Google Translate's voice through the gTTS library; returns MP3 without word events."""

    name = "gtts"

    def __init__(self, endpoint: str | None = None, timeout: float = 10.0, tld: str = "com",
                 langs: dict[str, str] | None = None):
        """``endpoint`` overrides Google's URL (an operator's proxy, or a test server)."""
        self.endpoint = endpoint
        self.timeout = timeout
        self.tld = tld
        self.langs = dict(langs or LANGS)
        self._failed_at = 0.0
        self._error: str | None = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        """The gTTS library version (part of every cache key)."""
        try:
            return f"gtts-{dist_version('gTTS')}"
        except Exception:
            return "gtts-unknown"

    def languages(self) -> dict[str, str]:
        """Locale -> gTTS language code."""
        return dict(self.langs)

    def available(self) -> bool:
        """Importable, and no failure within the cooldown (Google is never probed just for this)."""
        try:
            import gtts  # noqa: F401
        except ImportError:
            self._error = "the gtts package is not installed"
            return False
        return time.monotonic() - self._failed_at > COOLDOWN_SECONDS or not self._failed_at

    def state(self) -> dict[str, Any]:
        """A JSON-ready description for the health endpoint."""
        info: dict[str, Any] = {"available": self.available(), "languages": sorted(self.langs), "online": True}
        if self._error:
            info["last_error"] = self._error
        return info

    def _tts(self, text: str, lang: str, slow: bool):
        """A gTTS object that sends its requests to the configured endpoint."""
        from gtts import gTTS

        endpoint = self.endpoint

        class _Tts(gTTS):
            """gTTS with a configurable endpoint."""

            def _prepare_requests(self):  # noqa: ANN202 - gTTS's own signature
                """Prepare gTTS's requests, pointed at the configured endpoint."""
                prepared = super()._prepare_requests()
                if endpoint:
                    for pr in prepared:
                        pr.url = endpoint
                return prepared

        return _Tts(text, lang=lang, slow=slow, tld=self.tld, timeout=self.timeout)

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Fetch MP3 for ``text``; word timings are estimated from the audio length by characters."""
        if not self.available():
            raise BackendUnavailable(self._error or "gTTS is unavailable")
        try:
            tts = self._tts(text, voice, slow=speed < 0.9)
            mp3 = b"".join(tts.stream())
        except Exception as exc:  # gTTSError, requests errors, AssertionError on empty text
            with self._lock:
                self._failed_at = time.monotonic()
                self._error = f"gTTS failed: {exc}"
            raise BackendError(self._error) from exc
        if not mp3:
            raise BackendError("gTTS returned no audio")
        with self._lock:
            self._failed_at = 0.0
            self._error = None
        info = mp3_info(mp3)
        duration = info["duration_ms"]
        return Synthesis(
            sample_rate=info["sample_rate"] or 24000,
            duration_ms=duration,
            mp3=mp3,
            words=_estimate_words(text, duration),
            sentences=[Event(0.0, duration, 0, len(text))],
        )


def _estimate_words(text: str, duration: float) -> list[Event]:
    """Spread the audio over the words in proportion to their length (gTTS gives no events)."""
    starts = word_starts(text)
    if not starts:
        return []
    ends = [text.find(" ", s) if text.find(" ", s) >= 0 else len(text) for s in starts]
    weights = [e - s + 1 for s, e in zip(starts, ends, strict=True)]
    total = sum(weights)
    out: list[Event] = []
    t = 0.0
    for s, e, w in zip(starts, ends, weights, strict=True):
        span = duration * w / total
        out.append(Event(t, t + span, s, e - s))
        t += span
    return out
