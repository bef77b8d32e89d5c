"""Read-aloud audio of the published pages: rendering, the on-disk cache, what each page publishes."""
from __future__ import annotations

from flask import Flask

from ..core.locks import Locks
from .cache import AudioCache
from .publish import player_context
from .warm import init_app as init_warm


def init_app(app: Flask, locks: Locks) -> AudioCache:
    """Create the audio cache (synthesis of one file under ``locks``), the ``audio_player`` template helper and the
    process's warmer."""
    cache = app.extensions["audio_cache"] = AudioCache(
        app.config["AUDIO_CACHE_DIR"],
        max_bytes=int(app.config["AUDIO_CACHE_MAX_BYTES"]),
        bitrate=app.config["AUDIO_BITRATE"],  # validated there: a non-standard rate is a ValueError at start
        quality=int(app.config["AUDIO_MP3_QUALITY"]),
        locks=locks,
    )
    app.jinja_env.globals["audio_player"] = player_context
    init_warm(app)
    return cache
