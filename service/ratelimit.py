"""A rate limiter whose counts live in SQLite, so every worker process shares them."""
from __future__ import annotations

import hashlib
import time

from flask import Flask

from . import db

SCHEMA = """
CREATE TABLE IF NOT EXISTS rate_events (
    bucket TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_events_bucket ON rate_events (bucket, at);
"""


def _key(bucket: str) -> str:
    """Store a hash, not the IP address or user name a bucket is named after."""
    return hashlib.sha256(bucket.encode()).hexdigest()[:32]


def hit(bucket: str, limit: int, window: float, now: float | None = None) -> bool:
    """Count one attempt in a bucket; return False when the limit for the window is already reached."""
    now = time.time() if now is None else now
    bucket = _key(bucket)
    conn = db.get_db()
    with conn:  # one transaction: count and insert together
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM rate_events WHERE bucket = ? AND at < ?", (bucket, now - window))
        (count,) = conn.execute("SELECT COUNT(*) FROM rate_events WHERE bucket = ?", (bucket,)).fetchone()
        if count >= limit:
            return False
        conn.execute("INSERT INTO rate_events (bucket, at) VALUES (?, ?)", (bucket, now))
    return True


def reset(bucket: str) -> None:
    """Forget a bucket's attempts (after a successful login, say)."""
    conn = db.get_db()
    with conn:
        conn.execute("DELETE FROM rate_events WHERE bucket = ?", (_key(bucket),))


def init_app(app: Flask) -> None:
    """Create the table of attempts."""
    db.ensure_schema(app, SCHEMA)
