"""Speech backends chosen per locale by configuration."""
from __future__ import annotations

import importlib
import logging
import time
from typing import Any

from flask import Flask, current_app

from ..core import offload
from . import auto
from .base import Backend, BackendError, BackendUnavailable, Event, Synthesis, VoicedBackend

__all__ = [
    "Backend", "BackendError", "BackendUnavailable", "Event", "Synthesis", "TTS", "VoicedBackend", "get_tts",
    "init_app", "preload",
]

log = logging.getLogger(__name__)

#: Short backend names; anything else is a dotted path "package.module:Class".
BUILTIN = {
    "espeak": "service.tts.espeak:EspeakBackend",
    "gtts": "service.tts.gtts:GttsBackend",
    "piper": "service.tts.piper:PiperBackend",
    "mbrola": "service.tts.mbrola:MbrolaBackend",
    "rhvoice": "service.tts.rhvoice:RhvoiceBackend",
}
#: The offline engine every locale falls back to when its own backend cannot speak it now.
FALLBACK = "espeak"
#: How long the list of installed voices (health report, `flask voices list`) is reused.
CATALOGUE_SECONDS = 30.0
#: Backends whose specification names a voice: "piper:de_DE-thorsten-medium", "mbrola:de6", "rhvoice:magda".
VOICED = {"piper", "mbrola", "rhvoice"}
#: Examples of a voice per backend, for error messages.
EXAMPLES = {"piper": "piper:de_DE-thorsten-medium", "mbrola": "mbrola:de6", "rhvoice": "rhvoice:aleksandr-hq"}


def load_backend(spec: str, options: dict[str, Any] | None = None) -> Backend:
    """Build a backend from a short name or a dotted path."""
    module_name, _, cls_name = BUILTIN.get(spec, spec).partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls(**(options or {}))


def parse_spec(spec: str) -> tuple[str, str | None]:
    """Split "piper:<voice>" (or mbrola:, rhvoice:) into backend and voice; other specifications have no voice."""
    head, sep, voice = spec.partition(":")
    if sep and head in BUILTIN:
        if head not in VOICED or not voice:
            raise ValueError(f"TTS_BACKENDS: {spec!r}: only {', '.join(sorted(VOICED))} take a voice, "
                             "as <backend>:<voice name>")
        return head, voice
    if spec in VOICED:
        raise ValueError(f"TTS_BACKENDS: {spec!r} needs a voice, e.g. {EXAMPLES[spec]}")
    return spec, None


class TTS:
    """The configured backends, which locale uses which, and the fallback to espeak-ng."""

    def __init__(self, choice: dict[str, str], options: dict[str, dict[str, Any]] | None = None,
                 speed: float = 1.0, voices_dir: str | None = None, max_voices: int = 3, threads: int = 1):
        """``choice`` maps a locale (or "default") to a backend name, "<backend>:<voice>" or "auto"."""
        options = options or {}
        self.voices_dir = voices_dir or "voices"
        self.options = options
        self.configured = dict(choice)
        self._catalogue: tuple[float, list[auto.Installed] | None] = (0.0, None)
        if auto.AUTO in choice.values():  # the best voice installed here, per locale
            choice = auto.resolve(choice, auto.catalogue(self.voices_dir, options))
        parsed = {loc: parse_spec(spec) for loc, spec in choice.items()}
        parsed.setdefault("default", (FALLBACK, None))
        if parsed["default"][1]:
            raise ValueError("TTS_BACKENDS: a voice speaks one language: choose it per locale, not as default")
        self.choice = {loc: name for loc, (name, _) in parsed.items()}
        self.speed = speed
        self.backends: dict[str, Backend] = {FALLBACK: load_backend(FALLBACK, options.get(FALLBACK))}
        for name in sorted(set(self.choice.values()) - {FALLBACK}):
            opts = dict(options.get(name) or {})
            if name in VOICED:
                opts.setdefault("voices", {loc: v for loc, (n, v) in parsed.items() if n == name})
                opts.setdefault("fallback", self.backends[FALLBACK])
            if name == "piper":
                opts.setdefault("folder", self.voices_dir)
                opts.setdefault("max_loaded", max_voices)
                opts.setdefault("threads", threads)
            self.backends[name] = load_backend(name, opts)

    def backend_name(self, locale: str) -> str:
        """The backend name configured for a locale."""
        return self.choice.get(locale, self.choice["default"])

    def fallback_reason(self, locale: str) -> str | None:
        """Why the locale is spoken by espeak-ng instead of its configured backend (a voice's state), or None."""
        name = self.backend_name(locale)
        backend = self.backends[name]
        if name == FALLBACK or not isinstance(backend, VoicedBackend) or backend.usable(locale):
            return None
        voice = backend.voices.get(locale)
        return backend.status(voice)[0] if voice else "unavailable"

    def backend_for(self, locale: str) -> Backend:
        """The backend that speaks a page of this locale now (espeak-ng when the configured voice cannot)."""
        if self.fallback_reason(locale):
            return self.backends[FALLBACK]
        return self.backends[self.backend_name(locale)]

    def voices(self, locale: str) -> dict[str, str]:
        """Language -> voice of the locale's backend, the page's own language first."""
        langs = self.backend_for(locale).languages()
        ordered = {locale: langs[locale]} if locale in langs else {}
        ordered.update(langs)
        return ordered

    def speaks(self, locale: str) -> bool:
        """Whether the locale's backend has a voice for it."""
        return locale in self.backend_for(locale).languages()

    def available(self, locale: str) -> bool:
        """Whether audio for this locale can be made now."""
        return self.speaks(locale) and self.backend_for(locale).available()

    def states(self) -> dict[str, Any]:
        """Every backend's state, and the locale choice, for the health endpoint."""
        out: dict[str, Any] = {}
        for name, backend in self.backends.items():
            try:
                out[name] = backend.state()
            except Exception as exc:  # a broken backend must not break the health report
                out[name] = {"available": False, "error": str(exc)}
        return out

    def locale_state(self, locale: str) -> dict[str, Any]:
        """What speaks a locale: configured backend and voice, the one serving now, and why it differs."""
        info: dict[str, Any] = {"backend": self.backend_name(locale), "available": self.available(locale)}
        backend = self.backends[info["backend"]]
        if isinstance(backend, VoicedBackend) and locale in backend.voices:
            info["voice"] = backend.voices[locale]
        reason = self.fallback_reason(locale)
        info["serving"] = FALLBACK if reason else info["backend"]
        if reason:
            info["fallback"] = reason
        return info

    def installed(self, locale: str) -> list[auto.Installed]:
        """The voices that could speak a locale here (best first, espeak-ng last), with licence and size."""
        at, found = self._catalogue
        if found is None or time.monotonic() - at > CATALOGUE_SECONDS:
            found = auto.catalogue(self.voices_dir, self.options)
            self._catalogue = (time.monotonic(), found)  # one tuple: readers in other threads see old or new
        return auto.alternatives(locale, found, self.backends[FALLBACK])


def preload(app: Flask) -> None:
    """In an app server's worker: load the voices of every backend that can (RHVoice) in a background thread of
    low priority, so that no listener's first chunk pays for it (gunicorn's post_worker_init calls this)."""
    tts: TTS = app.extensions["tts"]

    def work() -> None:
        """Preload each backend; a failure is logged, the voices then load on first use as before."""
        offload.lower_priority()
        for name, backend in tts.backends.items():
            ready = getattr(backend, "preload", None)
            if ready is None:
                continue
            try:
                ready()
            except Exception:  # the server runs on; the voice loads when first needed
                log.exception("preloading the %s voices failed", name)

    offload.start_thread(work, "tts-preload")


def get_tts() -> TTS:
    """The TTS of the current app."""
    return current_app.extensions["tts"]


def init_app(app: Flask) -> TTS:
    """Read the TTS_* settings and build the backends (each probes its engine lazily)."""
    tts = app.extensions["tts"] = TTS(
        app.config["TTS_BACKENDS"],
        app.config["TTS_BACKEND_OPTIONS"],
        float(app.config["TTS_SPEED"]),
        voices_dir=app.config["VOICES_DIR"],
        max_voices=int(app.config["PIPER_MAX_VOICES"]),
        threads=int(app.config["PIPER_THREADS"]),
    )
    return tts
