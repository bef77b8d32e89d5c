"""Rendered pages cached per locale, page and catalog revision, answered with ETags and 304s."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Callable

from flask import Flask, Response, current_app, request


class PageCache:
    """A bounded in-process LRU of rendered pages; the key carries the catalog revision."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict[tuple, tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, key: tuple, render: Callable[[], str]) -> tuple[str, bytes]:
        """Return (etag, body) for a key, rendering once on a miss."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        body = render().encode("utf-8")
        etag = hashlib.sha1(body).hexdigest()[:20]
        with self._lock:
            self._data[key] = (etag, body)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return etag, body

    def clear(self, locale: str | None = None) -> None:
        """Drop every page, or every page of one locale."""
        with self._lock:
            for key in [k for k in self._data if locale is None or k[0] == locale]:
                del self._data[key]


def cached_response(key: tuple, render: Callable[[], str], cacheable: bool = True) -> Response:
    """A 200 with the page and its ETag, or a 304 when the client has it already."""
    cache: PageCache = current_app.extensions["pagecache"]
    if cacheable:
        etag, body = cache.get_or_render(key, render)
    else:
        body = render().encode("utf-8")
        etag = hashlib.sha1(body).hexdigest()[:20]
    # Revalidate every time: a translator's fix must show up at once.
    headers = {"ETag": f'"{etag}"', "Cache-Control": "no-cache"}
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2); checked here, on the hot path,
    # rather than through make_conditional, which also parses dates and ranges a page never needs.
    if "If-None-Match" in request.headers and request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    return Response(body, mimetype="text/html", headers=headers)


def init_app(app: Flask) -> None:
    """Create the page cache; a catalog change drops that locale's pages."""
    cache = PageCache(app.config["PAGE_CACHE_SIZE"])
    app.extensions["pagecache"] = cache
    app.extensions["i18n"].change_listeners.append(cache.clear)
