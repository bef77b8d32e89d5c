"""Rendered pages cached per locale, page and catalog revision, answered with ETags and 304s; HTTP cache rules.

Public pages tell shared caches (nginx in front) how long they may serve them without asking
(``s-maxage``), browsers always revalidate. Whatever the app does not mark public, every answer to
a form and every answer to a request with a cookie is ``private, no-store``: no cache stores it.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, Response, current_app, request
from werkzeug.datastructures import Headers
from werkzeug.http import parse_etags, remove_entity_headers, unquote_etag

#: Answers that carry personal data, depend on a session, or that the app did not mark public.
PRIVATE = "private, no-store"
#: The WSGI environ key by which a page view tells the front what it answered: (locale, revision).
FRONT_MARK = "herne.page_revision"
#: The longest Accept-Encoding the front keeps answers for (each distinct one is a stored copy).
MAX_ACCEPT_ENCODING = 100
#: Requests the front leaves to Flask: they ask for something else than the whole stored page.
_NOT_FOR_THE_FRONT = ("QUERY_STRING", "HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_RANGE", "HTTP_IF_RANGE",
                      "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")


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


@dataclass(frozen=True)
class StoredAnswer:
    """Flask's final answer to one page request, as the front serves it again."""

    locale: str
    revision: str
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str | None
    #: The headers of a 304 to a request that has this ETag (no body, no entity headers).
    not_modified: list[tuple[str, str]]


class PageFront:
    """WSGI middleware before Flask: a repeated GET or HEAD of a public page is answered from stored bytes.

    Flask answers a page once per scheme, host, script root, path and Accept-Encoding; the front
    keeps that final answer (status, every header Flask and its extensions set, the compressed
    body) and serves it again while the locale's revision (catalogs, live notices, machine
    translations) is unchanged, with a 304 when If-None-Match names its ETag. The host is part
    of the key, so an answer is only ever repeated to a request that Flask accepted with the same
    Host. Everything else goes to Flask: other methods, query strings, cookies, ranges and other
    conditionals, and every answer the page view did not mark (errors, redirects, audio, forms).

    Hand-written rather than a caching library: Flask-Caching stores views inside Flask (the cost
    this saves is Flask's own), and the key must carry the live revision of the page's locale.
    """

    def __init__(self, wsgi_app, revision: Callable[[str], str], size: int):
        self.wsgi_app = wsgi_app
        self.revision = revision
        self.size = size
        self._answers: OrderedDict[tuple, StoredAnswer] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or any(environ.get(name) for name in _NOT_FOR_THE_FRONT):
            return self.wsgi_app(environ, start_response)
        encodings = environ.get("HTTP_ACCEPT_ENCODING", "")
        if len(encodings) > MAX_ACCEPT_ENCODING:  # browsers send a few words; a long one gets no stored copy
            return self.wsgi_app(environ, start_response)
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
               environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""),
               encodings)
        with self._lock:
            stored = self._answers.get(key)
            if stored is not None:
                self._answers.move_to_end(key)
        if stored is not None:
            if self.revision(stored.locale) == stored.revision:
                return self._serve(stored, environ, start_response)
            with self._lock:  # outdated: the answer below (or none) takes its place
                self._answers.pop(key, None)
        if method == "HEAD":
            return self.wsgi_app(environ, start_response)
        return self._fill(key, environ, start_response)

    def _serve(self, stored: StoredAnswer, environ: dict, start_response) -> Iterable[bytes]:
        """The stored answer, or a 304 when the client has it (weak comparison, RFC 9110 13.1.2)."""
        wanted = environ.get("HTTP_IF_NONE_MATCH")
        if wanted is not None and stored.etag is not None and parse_etags(wanted).contains_weak(stored.etag):
            start_response("304 NOT MODIFIED", list(stored.not_modified))
            return []
        start_response(stored.status, list(stored.headers))
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [stored.body]

    def _fill(self, key: tuple, environ: dict, start_response) -> Iterable[bytes]:
        """Let Flask answer; keep the answer when the page view marked it and it is public."""
        seen: list = []

        def capture(status, headers, exc_info=None):
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        mark = environ.get(FRONT_MARK)
        if mark is None or not seen or not seen[0].startswith("200 "):
            return body
        headers = Headers(seen[1])
        if (not headers.get("Cache-Control", "").startswith("public") or "Set-Cookie" in headers
                or "Content-Range" in headers):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        etag = headers.get("ETag")
        not_modified = headers.copy()
        remove_entity_headers(not_modified)
        stored = StoredAnswer(locale=mark[0], revision=mark[1], status=seen[0], headers=list(seen[1]), body=data,
                              etag=unquote_etag(etag)[0] if etag else None, not_modified=not_modified.to_wsgi_list())
        with self._lock:
            self._answers[key] = stored
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return [data]


def cached_response(key: tuple, render: Callable[[], str], cacheable: bool = True,
                    front: tuple[str, str] | None = None) -> Response:
    """A 200 with the page and its ETag, or a 304 when the client has it already.

    ``front``: the (locale, revision) a cacheable page was made for; the front before Flask keeps
    its final answer until that locale's revision changes (PageFront).
    """
    cache: PageCache = current_app.extensions["pagecache"]
    if cacheable:
        if front is not None:
            request.environ[FRONT_MARK] = front
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


def init_app(app: Flask) -> PageCache:
    """Create the page cache and the private-by-default rule (create_app has a catalog change clear it)."""
    shared = (f"s-maxage={int(app.config['PAGE_SHARED_MAX_AGE'])}, "
              f"stale-while-revalidate={int(app.config['PAGE_STALE_WHILE_REVALIDATE'])}")
    pinned = bool(app.config.get("BASE_URL") or app.config.get("SERVER_NAME"))
    cache = PageCache(app.config["PAGE_CACHE_SIZE"], shared=shared, pinned_host=pinned)
    app.extensions["pagecache"] = cache
    app.after_request(private_by_default)
    return cache


def install_front(app: Flask, revision: Callable[[str], str]) -> None:
    """Put the page front before Flask (innermost WSGI middleware: proxies are trusted before it); ``revision``
    is the one function that names what a page depends on (I18n.revision), as for the page cache's key."""
    size = int(app.config["PAGE_FRONT_SIZE"])
    if size <= 0:
        return
    # No change listener: an answer whose locale changed is dropped at its next request (revision), the rest by LRU.
    # Flask's documented way to add middleware; mypy sees a method where Flask means an attribute.
    app.wsgi_app = PageFront(app.wsgi_app, revision, size)  # type: ignore[method-assign]
