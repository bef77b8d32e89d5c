"""Offline machine translation, engines only: protocol, argostranslate, cache, masking and background worker.

Nothing here knows Flask or i18n; ``service.machine`` plugs the service into the app.
"""
from __future__ import annotations

from .argos import ArgosEngine
from .base import Engine, EngineError, EngineUnavailable
from .cache import TranslationCache
from .service import MTService, MTStatus, Result

__all__ = ["ArgosEngine", "Engine", "EngineError", "EngineUnavailable", "MTService", "MTStatus", "Result",
           "TranslationCache"]
