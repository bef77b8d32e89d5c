"""A rate limiter whose counts live in the database, so every worker process (and host) shares them."""
from __future__ import annotations

import hashlib
import time

from sqlalchemy import delete, func, insert, select

from . import db
from .db.schema import rate_events


def _key(bucket: str) -> str:
    """Store a hash, not the IP address or user name a bucket is named after."""
    return hashlib.sha256(bucket.encode()).hexdigest()[:32]


def hit(bucket: str, limit: int, window: float, now: float | None = None) -> bool:
    """Count one attempt in a bucket; return False when the limit for the window is already reached."""
    now = time.time() if now is None else now
    bucket = _key(bucket)
    conn = db.get_db()
    # Count and insert atomically: SQLite takes its write lock at BEGIN (IMMEDIATE), PostgreSQL an
    # advisory lock on the bucket, so two workers cannot both see room for the last attempt.
    with db.transaction(conn, lock=f"rate:{bucket}"):
        conn.execute(delete(rate_events).where(rate_events.c.bucket == bucket, rate_events.c.at < now - window))
        count = conn.scalar(select(func.count()).select_from(rate_events).where(rate_events.c.bucket == bucket))
        if count >= limit:
            return False
        conn.execute(insert(rate_events).values(bucket=bucket, at=now))
    return True


def reset(bucket: str) -> None:
    """Forget a bucket's attempts (after a successful login, say)."""
    conn = db.get_db()
    with db.transaction(conn):
        conn.execute(delete(rate_events).where(rate_events.c.bucket == _key(bucket)))
