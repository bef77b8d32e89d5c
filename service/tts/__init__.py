"""Speech backends chosen per locale by configuration."""
from __future__ import annotations

import importlib
import logging
from typing import Any

from flask import Flask, current_app

from .base import Backend, BackendError, BackendUnavailable, Event, Synthesis

__all__ = ["Backend", "BackendError", "BackendUnavailable", "Event", "Synthesis", "TTS", "get_tts", "init_app"]

log = logging.getLogger(__name__)

#: Short backend names; anything else is a dotted path "package.module:Class".
BUILTIN = {"espeak": "service.tts.espeak:EspeakBackend", "gtts": "service.tts.gtts:GttsBackend"}


def load_backend(spec: str, options: dict[str, Any] | None = None) -> Backend:
    """Build a backend from a short name or a dotted path."""
    module_name, _, cls_name = BUILTIN.get(spec, spec).partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls(**(options or {}))


class TTS:
    """The configured backends and which locale uses which."""

    def __init__(self, choice: dict[str, str], options: dict[str, dict[str, Any]] | None = None,
                 speed: float = 1.0):
        """``choice`` maps a locale (or "default") to a backend name."""
        self.choice = dict(choice)
        self.choice.setdefault("default", "espeak")
        self.speed = speed
        self.backends: dict[str, Backend] = {}
        for name in sorted(set(self.choice.values())):
            self.backends[name] = load_backend(name, (options or {}).get(name))

    def backend_name(self, locale: str) -> str:
        """The backend name configured for a locale."""
        return self.choice.get(locale, self.choice["default"])

    def backend_for(self, locale: str) -> Backend:
        """The backend that speaks a page of this locale."""
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


def get_tts() -> TTS:
    """The TTS of the current app."""
    return current_app.extensions["tts"]


def init_app(app: Flask) -> None:
    """Read the TTS_* settings and build the backends (each probes its engine lazily)."""
    app.extensions["tts"] = TTS(app.config["TTS_BACKENDS"], app.config["TTS_BACKEND_OPTIONS"], float(app.config["TTS_SPEED"]))
