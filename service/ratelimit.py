"""A rate limiter whose counts live in the database, so every worker process (and host) shares them.

Buckets are named after what they count (``feedback:<address>``, ``login-user:<name>``); the
database only ever holds an HMAC of the name with the instance secret, and each counted attempt
is deleted when its window has passed. ``hit`` is a plain limit per window; ``reserve`` takes an
attempt in several buckets at once, or none, with delays that grow with the failures counted.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import Connection, and_, delete, func, insert, or_, select

from . import db
from .db.schema import rate_events

#: Rows from before revision 0002 have no expiry: they go after a day.
LEGACY_MAX_AGE = 86400.0


@dataclass(frozen=True)
class Backoff:
    """Growing delays: ``free`` attempts per ``window`` seconds, then base, 2 x base, 4 x base ... up to cap."""

    window: float
    free: int
    base: float = 1.0
    cap: float = 300.0

    def delay(self, count: int) -> float:
        """How long after the newest of ``count`` attempts the next one may come."""
        if count < self.free:
            return 0.0
        return min(self.cap, self.base * 2 ** min(count - self.free, 30))


def _key(bucket: str) -> str:
    """An HMAC of the bucket's name with the instance secret: an address or a name cannot be guessed back."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, bucket.encode(), hashlib.sha256).hexdigest()[:32]


def address(remote: str | None) -> str:
    """The part of a client address that counts as one client: IPv4 as is, IPv6 by its network of
    RATE_LIMIT_IPV6_PREFIX bits (default /56: a customer's delegation, which holds 256 /64 networks)."""
    try:
        ip = ipaddress.ip_address((remote or "").split("%")[0])
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, _ipv6_prefix()), strict=False))
    return str(ip)


def _ipv6_prefix() -> int:
    """The prefix length that groups IPv6 addresses into one client (48 to 128)."""
    prefix = int(current_app.config.get("RATE_LIMIT_IPV6_PREFIX", 56)) if has_app_context() else 56
    return min(128, max(48, prefix))


def _sweep(conn: Connection, now: float) -> None:
    """Delete every attempt whose window has ended (of any bucket)."""
    conn.execute(delete(rate_events).where(or_(
        rate_events.c.expires < now,
        and_(rate_events.c.expires.is_(None), rate_events.c.at < now - LEGACY_MAX_AGE),
    )))


def _recent(conn: Connection, key: str, window: float, now: float) -> tuple[int, float | None]:
    """How many attempts a bucket has within the window, and when the newest was."""
    row = conn.execute(select(func.count(), func.max(rate_events.c.at)).where(
        rate_events.c.bucket == key, rate_events.c.at >= now - window)).one()  # an aggregate: always one row
    return int(row[0]), row[1]


def hit(bucket: str, limit: int, window: float, now: float | None = None) -> bool:
    """Count one attempt in a bucket; return False when the limit for the window is already reached."""
    now = time.time() if now is None else now
    key = _key(bucket)
    conn = db.get_db()
    # Count and insert atomically: SQLite takes its write lock at BEGIN (IMMEDIATE), PostgreSQL an
    # advisory lock on the bucket, so two workers cannot both see room for the last attempt.
    with db.transaction(conn, lock=f"rate:{key}"):
        _sweep(conn, now)
        count, _ = _recent(conn, key, window, now)
        if count >= limit:
            return False
        conn.execute(insert(rate_events).values(bucket=key, at=now, expires=now + window))
    return True


def over(bucket: str, limit: int, window: float, now: float | None = None) -> bool:
    """Whether a bucket has reached its limit for the window (read only: nothing is counted)."""
    now = time.time() if now is None else now
    count, _ = _recent(db.get_db(), _key(bucket), window, now)
    return count >= limit


def reserve(buckets: list[tuple[str, Backoff]], now: float | None = None) -> tuple[float, float]:
    """Take one attempt in every bucket, or in none; return (seconds to wait, 0 when taken; the attempt's time).

    The attempt is counted before the caller does the work it guards (checking a password, say),
    so parallel requests cannot all pass a check that each of them would see as free. The time is
    read once the buckets are locked, so attempts are counted in the order they were taken.
    """
    keyed = sorted((_key(name), backoff) for name, backoff in buckets)
    conn = db.get_db()
    with db.transaction(conn):
        wait = 0.0
        for key, _ in keyed:  # one lock per bucket, always in the same order
            with db.transaction(conn, lock=f"rate:{key}"):
                pass
        at = time.time() if now is None else now
        for key, backoff in keyed:
            count, newest = _recent(conn, key, backoff.window, at)
            delay = backoff.delay(count)
            if delay > 0 and newest is not None:
                wait = max(wait, newest + delay - at)
        if wait > 0:
            return wait, at
        _sweep(conn, at)
        conn.execute(insert(rate_events), [{"bucket": key, "at": at, "expires": at + backoff.window}
                                           for key, backoff in keyed])
    return 0.0, at


def release(bucket: str, at: float) -> None:
    """Give back one reserved attempt (the check it guarded went well)."""
    conn = db.get_db()
    with db.transaction(conn):
        conn.execute(delete(rate_events).where(rate_events.c.bucket == _key(bucket), rate_events.c.at == at))


def reset(bucket: str) -> None:
    """Forget a bucket's attempts (after a successful login, say)."""
    conn = db.get_db()
    with db.transaction(conn):
        conn.execute(delete(rate_events).where(rate_events.c.bucket == _key(bucket)))
