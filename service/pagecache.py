"""Rendered pages cached per locale, page and catalog revision, answered with ETags and 304s; HTTP cache rules.

Public pages tell shared caches (nginx in front) how long they may serve them without asking
(``s-maxage``), browsers always revalidate. Whatever the app does not mark public, every answer to
a form and every answer to a request with a cookie is ``private, no-store``: no cache stores it.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Callable

from flask import Flask, Response, current_app, request

#: Answers that carry personal data, depend on a session, or that the app did not mark public.
PRIVATE = "private, no-store"


class PageCache:
    """A bounded in-process LRU of rendered pages; the key carries the catalog revision."""

    def __init__(self, size: int, shared: str = "s-maxage=0", pinned_host: bool = True):
        self.size = size
        #: The shared-cache part of Cache-Control: s-maxage and stale-while-revalidate.
        self.shared = shared
        #: Public pages carry the configured URL (BASE_URL, SERVER_NAME), never the request's Host.
        self.pinned_host = pinned_host
        self.public = f"public, max-age=0, must-revalidate, {shared}"
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
        if not cache.pinned_host:  # absolute URLs follow the Host header: one copy per host
            key = (*key, request.host_url)
        etag, body = cache.get_or_render(key, render)
        # Browsers revalidate every time; shared caches ask again after s-maxage (a fix shows within seconds).
        headers = {"ETag": f'"{etag}"', "Cache-Control": cache.public}
    else:
        body = render().encode("utf-8")
        etag = hashlib.sha1(body).hexdigest()[:20]
        headers = {"ETag": f'"{etag}"', "Cache-Control": "no-cache"}
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2); checked here, on the hot path,
    # rather than through make_conditional, which also parses dates and ranges a page never needs.
    if "If-None-Match" in request.headers and request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    return Response(body, mimetype="text/html", headers=headers)


def shared_cache_control() -> str:
    """The shared-cache directives of public answers (pages, audio): ``s-maxage=N, stale-while-revalidate=M``."""
    return current_app.extensions["pagecache"].shared


def private_by_default(response: Response) -> Response:
    """Mark private what its view did not mark cacheable, what answers a form, and what a cookie came with.

    Readers send no cookie; a request with one (a translator's session) may be answered for that
    person, so no shared cache keeps it. (Reading ``session.accessed`` here would itself mark the
    session as accessed: the cookie is what tells.)
    """
    rules = response.headers.get("Cache-Control", "")
    if "no-store" not in rules and (not rules or "Cookie" in request.headers
                                    or request.method not in ("GET", "HEAD")):
        response.headers["Cache-Control"] = PRIVATE
    return response


def init_app(app: Flask) -> None:
    """Create the page cache (a catalog change drops that locale's pages) and the private-by-default rule."""
    shared = (f"s-maxage={int(app.config['PAGE_SHARED_MAX_AGE'])}, "
              f"stale-while-revalidate={int(app.config['PAGE_STALE_WHILE_REVALIDATE'])}")
    pinned = bool(app.config.get("BASE_URL") or app.config.get("SERVER_NAME"))
    cache = PageCache(app.config["PAGE_CACHE_SIZE"], shared=shared, pinned_host=pinned)
    app.extensions["pagecache"] = cache
    app.extensions["i18n"].change_listeners.append(cache.clear)
    app.after_request(private_by_default)
