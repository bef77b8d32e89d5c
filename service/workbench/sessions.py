"""Server-side workbench sessions: a random token in the signed cookie, its hash and timestamps in wb_sessions.

A session lives only as long as its row: logout deletes it, a new password, a role change or
the removal of the account delete every row of the user, and a row unused for the idle timeout
or older than the absolute one is refused and deleted. A copied cookie outlives none of these.
"""
from __future__ import annotations

import hashlib
import secrets
import time

from sqlalchemy import Connection, delete, insert, or_, select, update

from .. import db
from ..db.schema import wb_sessions

#: ``seen`` is written at most this often per session (a write per request would serialize readers).
TOUCH_EVERY = 60.0


def _hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256 (a stolen database opens no session)."""
    return hashlib.sha256(token.encode()).hexdigest()


def start(conn: Connection, user_id: int, idle: float, max_age: float, now: float | None = None) -> str:
    """Open a session for a user (and drop every expired one); return the token for the cookie."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    with db.transaction(conn):
        conn.execute(delete(wb_sessions).where(or_(wb_sessions.c.seen < now - idle,
                                                   wb_sessions.c.created < now - max_age)))
        conn.execute(insert(wb_sessions).values(id=_hash(token), user_id=user_id, created=now, seen=now))
    return token


def lookup(conn: Connection, token: object, idle: float, max_age: float, now: float | None = None) -> int | None:
    """The user id of a live session, or None (an expired session is deleted on the way)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    now = time.time() if now is None else now
    key = _hash(token)
    row = conn.execute(select(wb_sessions).where(wb_sessions.c.id == key)).first()
    if row is None:
        return None
    if now - row.seen > idle or now - row.created > max_age:
        end(conn, token)
        return None
    if now - row.seen > TOUCH_EVERY:
        with db.transaction(conn):
            conn.execute(update(wb_sessions).where(wb_sessions.c.id == key).values(seen=now))
    return int(row.user_id)


def end(conn: Connection, token: object) -> None:
    """End one session."""
    if isinstance(token, str):
        with db.transaction(conn):
            conn.execute(delete(wb_sessions).where(wb_sessions.c.id == _hash(token)))


def end_all(conn: Connection, user_id: int) -> None:
    """End every session of a user (joins the caller's transaction when there is one)."""
    with db.transaction(conn):
        conn.execute(delete(wb_sessions).where(wb_sessions.c.user_id == user_id))
