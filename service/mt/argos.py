"""Argos Translate engine: installed packages discovered from their metadata, argostranslate imported lazily.

Nothing is fetched at run time: ``ARGOS_CHUNK_TYPE`` is set to MINISBD before the first
import (the only splitter whose set-up needs no network nor a cached model), and then
every package's sentence splitter is replaced by :class:`RuleSentencizer`, a rule-based
splitter that needs no model at all (a package that ships its own ``minisbd/*.onnx``
keeps it: that one is local too).
"""
from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any

from .base import EngineError, EngineUnavailable

log = logging.getLogger(__name__)

#: argostranslate keeps global state (settings, installed translations): one lock for all engines.
_ARGOS_LOCK = threading.RLock()
PIVOT = "en"

#: Abbreviations after which a full stop does not end a sentence (German and English).
ABBREVIATIONS = {
    "z", "b", "u", "a", "d", "h", "bzw", "ca", "dr", "nr", "str", "st", "vgl", "usw", "etc", "inkl",
    "ggf", "evtl", "prof", "tel", "abs", "mr", "mrs", "ms", "e.g", "i.e", "vs", "jr", "sr", "no",
}
_BOUNDARY_RE = re.compile(r"[.!?…]+[\"'»«“”)\]]*\s+")


def default_packages_dir() -> Path:
    """Where argostranslate looks for packages, computed the way it does, without importing it."""
    if os.environ.get("ARGOS_PACKAGES_DIR"):
        return Path(os.environ["ARGOS_PACKAGES_DIR"])
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "argos-translate" / "packages"


def _installed(module: str) -> bool:
    """Tell whether a module can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: blocked with sys.modules[name] = None
        return False


class RuleSentencizer:
    """Split sentences on ., ! and ? followed by space, except after abbreviations and ordinals."""

    def __init__(self, pkg: Any = None):
        self.pkg = pkg

    def split_sentences(self, text: str) -> list[str]:
        """Return the sentences of a paragraph (the paragraph itself when there is one)."""
        sentences: list[str] = []
        start = 0
        for match in _BOUNDARY_RE.finditer(text):
            end = match.end()
            before = text[start:match.start()].split()
            last = before[-1].lower().rstrip(".") if before else ""
            following = text[end:end + 1]
            if match.group().startswith(".") and (last in ABBREVIATIONS or last.isdigit() or len(last) == 1):
                continue  # "z. B.", "Nr. 5", "12. März"
            if following and not (following.isupper() or following.isdigit() or following in "\"'„“«»(["):
                continue
            sentences.append(text[start:end].strip())
            start = end
        if text[start:].strip():
            sentences.append(text[start:].strip())
        return sentences or [text]

    def __str__(self) -> str:
        """Name shown in argostranslate's debug output."""
        return "RuleSentencizer"


class ArgosEngine:
    """Translate with locally installed Argos Translate packages; unavailable (not crashing) without them."""

    name = "argos"

    def __init__(self, packages_dir: str | Path | None = None, threads: int = 0):
        self.packages_dir = Path(packages_dir) if packages_dir else default_packages_dir()
        self.threads = threads
        self._packages: dict[tuple[str, str], dict] | None = None
        self._reason: str | None = None
        self._imported = False
        self._lock = threading.Lock()

    # -- discovery (cheap: metadata only, no torch import) --------------------
    def discover(self) -> dict[tuple[str, str], dict]:
        """Read the metadata of every installed translate package, once."""
        if self._packages is not None:
            return self._packages
        with self._lock:
            if self._packages is not None:
                return self._packages
            packages: dict[tuple[str, str], dict] = {}
            reason = None
            if not _installed("argostranslate") or not _installed("ctranslate2"):
                reason = "argostranslate is not installed (pip install '.[mt]')"
            elif not self.packages_dir.is_dir():
                reason = f"no package folder {self.packages_dir}"
            else:
                for meta_path in sorted(self.packages_dir.glob("*/metadata.json")):
                    try:
                        meta = json.loads(meta_path.read_text(encoding="utf-8"))
                    except (OSError, ValueError) as exc:
                        log.warning("skipping argos package %s: %s", meta_path.parent, exc)
                        continue
                    if meta.get("type", "translate") != "translate" or not (meta_path.parent / "model").is_dir():
                        continue
                    meta["path"] = str(meta_path.parent)
                    packages[(meta["from_code"], meta["to_code"])] = meta
                if not packages:
                    reason = f"no translation packages in {self.packages_dir}"
            self._reason = reason
            self._packages = packages
            return packages

    def reload(self) -> None:
        """Forget discovered packages and argostranslate's loaded models (after installing packages)."""
        with self._lock:
            self._packages = None
        with _ARGOS_LOCK:
            if self._imported:
                from argostranslate import translate

                translate.installed_translates.clear()
                translate.get_installed_languages.cache_clear()

    def available(self) -> bool:
        """Tell whether argostranslate is importable and at least one package is installed."""
        return bool(self.discover())

    def unavailable_reason(self) -> str | None:
        """Why nothing can be translated, or None."""
        self.discover()
        return self._reason

    def pairs(self) -> list[tuple[str, str]]:
        """The installed direct pairs."""
        return sorted(self.discover())

    def route(self, source: str, target: str) -> list[tuple[str, str]]:
        """The packages used for a pair: direct, or through English; raise when there is none."""
        packages = self.discover()
        if (source, target) in packages:
            return [(source, target)]
        if (source, PIVOT) in packages and (PIVOT, target) in packages:
            return [(source, PIVOT), (PIVOT, target)]
        raise EngineUnavailable(f"no argos model for {source}->{target}")

    def targets(self, source: str) -> list[str]:
        """Languages reachable from source directly or via the English pivot."""
        packages = self.discover()
        direct = {t for (s, t) in packages if s == source}
        pivot = {t for (s, t) in packages if s == PIVOT} if PIVOT in direct else set()
        return sorted((direct | pivot) - {source})

    def version(self, source: str, target: str) -> str:
        """The package codes and versions along the route, e.g. 'translate-de_en@1.0+translate-en_fr@1.9'."""
        packages = self.discover()
        return "+".join(
            f"{packages[p].get('code') or 'translate-{}_{}'.format(*p)}@{packages[p].get('package_version', '?')}"
            for p in self.route(source, target)
        )

    # -- translation (imports argostranslate on first use) ---------------------
    def _import(self):
        """Import argostranslate with offline settings pointing at our package folder."""
        if not self._imported:
            import sys

            if "argostranslate.settings" not in sys.modules:
                # Must be set before the import: settings are read once, at import time.
                os.environ["ARGOS_CHUNK_TYPE"] = "MINISBD"
                os.environ["ARGOS_PACKAGES_DIR"] = str(self.packages_dir)
                if self.threads:
                    os.environ.setdefault("ARGOS_INTRA_THREADS", str(self.threads))
            try:
                import argostranslate.translate  # noqa: F401  (heavy: torch via stanza)
            except Exception as exc:  # ImportError, or a broken torch
                raise EngineUnavailable(f"argostranslate cannot be imported: {exc}") from exc
            self._imported = True
        from argostranslate import settings, translate

        # Another engine (or a test) may have pointed argos elsewhere: point it here.
        if Path(settings.package_data_dir) != self.packages_dir:
            settings.package_data_dir = self.packages_dir
            settings.package_dirs = [self.packages_dir]
            translate.installed_translates.clear()
            translate.get_installed_languages.cache_clear()
        return translate

    @staticmethod
    def _offline_splitters(translation: Any) -> None:
        """Replace every package's sentence splitter by one that needs no download."""
        stack = [translation]
        while stack:
            node = stack.pop()
            for attr in ("underlying", "t1", "t2"):
                if hasattr(node, attr):
                    stack.append(getattr(node, attr))
            if hasattr(node, "sentencizer") and hasattr(node, "pkg"):
                sbd = node.pkg.package_path / "minisbd"
                ships_model = sbd.is_dir() and any(sbd.glob("*.onnx"))
                if not ships_model and not isinstance(node.sentencizer, RuleSentencizer):
                    node.sentencizer = RuleSentencizer(node.pkg)

    def _translation(self, source: str, target: str):
        """argostranslate's translation object for a pair (composite when pivoting)."""
        self.route(source, target)  # raise early for an impossible pair
        translate = self._import()
        langs = {lang.code: lang for lang in translate.get_installed_languages()}
        if source not in langs or target not in langs:
            raise EngineUnavailable(f"argostranslate did not load a model for {source}->{target}")
        translation = langs[source].get_translation(langs[target])
        if translation is None:
            raise EngineUnavailable(f"argostranslate has no route {source}->{target}")
        self._offline_splitters(translation)
        return translation

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        """Translate each text; any failure of argostranslate or CTranslate2 becomes EngineError."""
        with _ARGOS_LOCK:
            translation = self._translation(source, target)
            results = []
            for text in texts:
                if not text.strip():
                    results.append(text)
                    continue
                try:
                    results.append(translation.hypotheses(text, num_hypotheses=1)[0].value)
                except EngineError:
                    raise
                except Exception as exc:  # a model that fails to load or crashes mid-way
                    raise EngineError(f"argos {source}->{target} failed: {exc}") from exc
            return results
