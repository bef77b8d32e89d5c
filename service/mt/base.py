"""The machine-translation engine protocol: a name, language pairs, versions and translate()."""
from __future__ import annotations

from typing import Protocol, runtime_checkable


class EngineError(Exception):
    """An engine could not translate (missing model, load failure, crash mid-way)."""


class EngineUnavailable(EngineError):
    """The engine is not installed or has no model for the requested pair."""


@runtime_checkable
class Engine(Protocol):
    """What the service needs from a translation backend (argostranslate today, others later)."""

    #: Short name stored in the cache key and in .po comments, e.g. "argos".
    name: str

    def available(self) -> bool:
        """Tell whether the engine can translate at all (installed, at least one model)."""
        ...

    def unavailable_reason(self) -> str | None:
        """Why the engine is unavailable, for `flask mt status` and logs."""
        ...

    def pairs(self) -> list[tuple[str, str]]:
        """The installed direct language pairs (source, target)."""
        ...

    def targets(self, source: str) -> list[str]:
        """Every language reachable from ``source``, directly or through an English pivot."""
        ...

    def version(self, source: str, target: str) -> str:
        """An identifier of the model(s) used for a pair; it changes when a model is replaced."""
        ...

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        """Translate plain texts (already masked) from source to target, one result per text."""
        ...
