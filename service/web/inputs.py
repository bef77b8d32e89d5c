"""Every input bounded before any processing: each form field, upload name and query value by size, and runs of
combining marks (whose normalization costs the square of their length) refused; rejections count per client."""
from __future__ import annotations

import time

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from .. import ratelimit
from ..core import offload
from ..core.messages import N_
from ..core.text import MAX_MARK_RUN, UNREADABLE, longest_mark_run
from .errors import BadRequest, PayloadTooLarge, TooManyRequests

#: Longest name of a form field or query parameter; the service's own are all far shorter.
MAX_KEY = 100
#: Refused requests per client (an IPv6 /64 counts as one) within the window; past it, 429 at once.
REJECTED_PER_ADDRESS = 30
REJECTED_WINDOW = 600.0
#: Methods that carry no form.
READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})
#: Seconds a process remembers a client over its limit without asking the database again, and how many it keeps.
BLOCKED_MEMO_SECONDS = 30.0
BLOCKED_MEMO_SIZE = 10_000
#: Seconds a client over its limit waits for its 429 under gevent workers, where a waiting request is a sleeping
#: greenlet that costs nothing: a client that floods over a few connections gets one answer a second on each,
#: instead of taking the worker's time from the readers (bench/bench_attack.py, h1).
TARPIT_SECONDS = 1.0
#: The largest row id a URL may name: the id columns are INTEGER, 32 bits in PostgreSQL (SQLAlchemy binds the value
#: as ::INTEGER, so 2^31 there was a 500); a larger id is a 404.
MAX_ROW_ID = 2**31 - 1


class RowId(IntegerConverter):
    """``<int:...>`` in every route: a non-negative integer that a database can compare (L2)."""

    def __init__(self, map, *args, **kwargs) -> None:
        """Werkzeug's integer converter, bounded to MAX_ROW_ID unless a route asks for less."""
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


class ControlCharacter(BadRequest):
    """A query value holds a NUL byte, which no text holds and PostgreSQL refuses in any text value."""

    description = N_("Der Text enthält unzulässige Steuerzeichen.")


class UnreadableText(BadRequest):
    """A field holds a run of combining marks that no language writes."""

    description = UNREADABLE


def _memo() -> dict[str, float]:
    """This app's clients over their limit: client -> monotonic time until which their posts are refused at once."""
    return current_app.extensions.setdefault("inputs_blocked", {})


def _block(client: str) -> None:
    """Remember for a while that a client is over its limit; raise 429."""
    blocked = _memo()
    if len(blocked) >= BLOCKED_MEMO_SIZE:
        blocked.clear()
    blocked[client] = time.monotonic() + BLOCKED_MEMO_SECONDS
    raise TooManyRequests(retry_after=int(REJECTED_WINDOW))


def _over_limit(client: str) -> bool:
    """Whether a client is over its limit of refused posts: remembered by this process, else asked of the database."""
    until = _memo().get(client)
    if until is not None and until > time.monotonic():
        return True
    _memo().pop(client, None)
    return ratelimit.over(f"rejected:{client}", REJECTED_PER_ADDRESS, REJECTED_WINDOW)


def _reject(error: BadRequest | PayloadTooLarge) -> None:
    """Count a refused request against its client, then raise its error (429 once the client is over the limit)."""
    client = ratelimit.address(request.remote_addr)
    if not ratelimit.hit(f"rejected:{client}", REJECTED_PER_ADDRESS, REJECTED_WINDOW):
        _block(client)
    raise error


def bound_inputs() -> None:
    """Refuse a request whose query or form holds a field over INPUT_MAX_CHARS or a run of marks over the bound."""
    limit = int(current_app.config["INPUT_MAX_CHARS"])
    if request.method not in READ_ONLY:
        client = ratelimit.address(request.remote_addr)
        if _over_limit(client):
            # 429 before the body is read or parsed: a flood of refused posts costs each post a look-up, not a
            # parse of its body and a write of the counter (bench/bench_attack.py measures what readers feel).
            if offload.on_loop():  # a thread of gthread or sync workers would be held: there, nginx limits rates
                time.sleep(TARPIT_SECONDS)
            _block(client)
    try:
        fields = list(request.args.items(multi=True))
        if request.method not in READ_ONLY:
            fields += request.form.items(multi=True)  # multipart text parts: MAX_FORM_MEMORY_SIZE bytes each
            fields += [(key, upload.filename or "") for key, upload in request.files.items(multi=True)]
    except RequestEntityTooLarge:
        _reject(PayloadTooLarge())
    for key, value in fields:  # sizes first: the mark scan below is linear, but only in a bounded text
        if len(key) > MAX_KEY or len(value) > limit:
            _reject(PayloadTooLarge())
    if any("\x00" in value for value in request.args.values()):
        # Query values filter searches (the inbox's q and locale) and PostgreSQL refuses NUL in text (L2). Form
        # fields are each checked by their form, which shows the error next to what was typed.
        _reject(ControlCharacter())
    for _, value in fields:
        if longest_mark_run(value) > MAX_MARK_RUN:
            _reject(UnreadableText())


def init_app(app: Flask) -> None:
    """Bound every request's inputs before any view (or any other before_request hook) reads them, and every
    integer in a URL (set before any blueprint adds its routes)."""
    app.url_map.converters["int"] = RowId
    app.before_request_funcs.setdefault(None, []).insert(0, bound_inputs)
