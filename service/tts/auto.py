"""``auto``: each locale speaks with the best voice installed here, from an order measured for intelligibility.

The order comes from the word error rate of Whisper base on the overview page's text (docs/operate/debian-voices.md has
the table): MBROLA for de, tr, ar, ro; RHVoice for pl, ru, uk; en with RHVoice slt, then Piper's joe. A locale
with none of its voices installed speaks with espeak-ng. The choice is made when the app starts.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from .base import Backend
from .mbrola import MbrolaBackend
from .rhvoice import RhvoiceBackend
from .system import SystemVoiceBackend
from .voices import VoiceError, VoiceStore, language_of, read_config

AUTO = "auto"
FALLBACK = "espeak"
#: Locale -> voices in order of preference (best first), as TTS_BACKENDS names them.
PREFERENCES: dict[str, tuple[str, ...]] = {
    "de": ("mbrola:de6",),
    "tr": ("mbrola:tr1",),
    "ar": ("mbrola:ar2", "mbrola:ar1"),
    "pl": ("rhvoice:magda", "mbrola:pl1"),
    "ro": ("mbrola:ro1",),
    "ru": ("rhvoice:aleksandr-hq",),
    "uk": ("rhvoice:anatol",),
    "en": ("rhvoice:slt", "piper:en_US-joe-medium"),
}
#: espeak-ng's licence (the wheel's library and data).
ESPEAK_LICENCE = "GPL-3.0-or-later"


@dataclass(frozen=True)
class Installed:
    """One voice that can speak here: how TTS_BACKENDS names it, its language, licence and size."""

    spec: str
    language: str
    licence: str
    size: int | None

    def public(self) -> dict[str, Any]:
        """JSON-ready, without versions or paths (the health report)."""
        return {"voice": self.spec, "licence": self.licence,
                "size_mb": round(self.size / 1e6, 1) if self.size is not None else None}


def _system(backend: SystemVoiceBackend) -> list[Installed]:
    """The installed voices of an MBROLA or RHVoice backend whose engine works."""
    if not backend.available():
        return []
    return [Installed(v.spec, v.language, v.licence, v.size) for v in backend.installed().values()]


def _piper(voices_dir: str | Path) -> list[Installed]:
    """Piper voices of the voices folder and of installed packages, when piper-tts is installed."""
    if importlib.util.find_spec("piper") is None:
        return []
    out = []
    for name, files in sorted(VoiceStore(voices_dir).all().items()):
        try:
            language = language_of(read_config(files.config)).split("_")[0].split("-")[0]
        except VoiceError:
            continue
        licence = "see the voice's MODEL_CARD"
        if files.source != "instance":
            try:
                meta = metadata.metadata(files.source).json
                licence = str(meta.get("license_expression") or meta.get("license") or licence)
            except metadata.PackageNotFoundError:
                pass
        try:
            size = files.model.stat().st_size
        except OSError:
            continue
        out.append(Installed(f"piper:{name}", language, licence, size))
    return out


def catalogue(voices_dir: str | Path, options: dict[str, dict[str, Any]] | None = None) -> list[Installed]:
    """Every voice installed here (MBROLA, RHVoice, Piper), each with its language, licence and size."""
    options = options or {}
    found = _system(MbrolaBackend(**_engine_options(options.get("mbrola"))))
    found += _system(RhvoiceBackend(**_engine_options(options.get("rhvoice"))))
    return found + _piper(voices_dir)


def _engine_options(opts: dict[str, Any] | None) -> dict[str, Any]:
    """The options of TTS_BACKEND_OPTIONS that say where an engine's files are (not its voices)."""
    return {k: v for k, v in (opts or {}).items() if k not in ("voices", "fallback")}


def pick(locale: str, installed: list[Installed]) -> str:
    """The best installed voice for a locale, or espeak-ng."""
    specs = {v.spec for v in installed}
    return next((spec for spec in PREFERENCES.get(locale, ()) if spec in specs), FALLBACK)


def resolve(choice: dict[str, str], installed: list[Installed]) -> dict[str, str]:
    """TTS_BACKENDS with every ``auto`` replaced: per locale the best installed voice, else espeak-ng."""
    out = {loc: (pick(loc, installed) if spec == AUTO else spec) for loc, spec in choice.items() if loc != "default"}
    default = choice.get("default", FALLBACK)
    if default == AUTO:
        for locale in PREFERENCES:
            out.setdefault(locale, pick(locale, installed))
        default = FALLBACK
    out["default"] = default
    return out


def alternatives(locale: str, installed: list[Installed], fallback: Backend) -> list[Installed]:
    """The voices that could speak a locale here: installed ones of its language, then espeak-ng."""
    own = [v for v in installed if v.language == locale]
    order = {spec: i for i, spec in enumerate(PREFERENCES.get(locale, ()))}
    own.sort(key=lambda v: (order.get(v.spec, len(order)), v.spec))
    if locale in fallback.languages():
        own.append(Installed(FALLBACK, locale, ESPEAK_LICENCE, None))
    return own
