"""Locks for several hosts: redis-py's Lock (an owner token and a lifetime), renewed while its holder lives.

A holder that is killed stops renewing, so its lock expires after ``ttl`` seconds and the work can be
taken up elsewhere. A lock that expired while its holder still worked (a stall longer than ``ttl``,
or Redis unreachable for that long) is detected: the renewal fails on the token, and leaving the
``with`` block raises ``LockLost``. Redis being unreachable when a lock is asked for raises
``LockUnavailable`` before any work starts.
"""
from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

import redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import LockError, LockNotOwnedError, RedisError
from redis.retry import Retry

from .locks import LockLost, LockTimeout, LockUnavailable

log = logging.getLogger(__name__)

#: Redis errors that mean "cannot talk to Redis now".
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def connect(url: str) -> redis.Redis:
    """A client for a Redis URL with short timeouts and two quick retries: a page never hangs on Redis."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30,
                                retry=Retry(ExponentialBackoff(cap=0.1, base=0.01), 2))


class _Renewal(threading.Thread):
    """Extends a held lock every third of its lifetime until stopped; notes when the token was lost."""

    def __init__(self, lock: redis.lock.Lock, ttl: float):
        """Renew ``lock`` to ``ttl`` seconds."""
        super().__init__(daemon=True, name=f"renew {lock.name}")
        self.lock = lock
        self.ttl = ttl
        self.stopped = threading.Event()
        self.lost = False

    def run(self) -> None:
        """Renew until stopped or lost; an unreachable Redis is retried until the lifetime is gone."""
        while not self.stopped.wait(self.ttl / 3):
            try:
                self.lock.reacquire()
            except LockNotOwnedError:
                self.lost = True
                log.error("lock %s expired while held", self.lock.name)
                return
            except (LockError, RedisError) as exc:
                log.warning("lock %s not renewed: %s", self.lock.name, exc)


class RedisLocks:
    """Named exclusive locks in Redis under ``<prefix>:lock:<name>``, shared by every host."""

    def __init__(self, client: redis.Redis, prefix: str = "herne", ttl: float = 10.0, poll: float = 0.05):
        """Keep locks in ``client``; each lives ``ttl`` seconds unless renewed; waiters poll every ``poll`` s."""
        self.client = client
        self.prefix = prefix
        self.ttl = float(ttl)
        self.poll = poll

    def key(self, name: str) -> str:
        """The Redis key of a lock name."""
        return f"{self.prefix}:lock:{name}"

    def is_held(self, name: str) -> bool:
        """Whether anyone holds the lock now (UNREACHABLE errors propagate)."""
        return bool(self.client.exists(self.key(name)))

    @contextlib.contextmanager
    def hold(self, name: str, timeout: float | None = None) -> Iterator[None]:
        """Hold the lock ``name``; wait forever, or raise LockTimeout after ``timeout`` seconds.

        Raises LockUnavailable when Redis cannot be reached to take it, LockLost on leaving the
        block when the lock expired meanwhile.
        """
        lock = self.client.lock(self.key(name), timeout=self.ttl, sleep=self.poll, blocking=True,
                                blocking_timeout=timeout, thread_local=False)
        try:
            acquired = lock.acquire()
        except UNREACHABLE as exc:
            raise LockUnavailable(f"{name}: {exc}") from exc
        if not acquired:
            raise LockTimeout(name)
        renewal = _Renewal(lock, self.ttl)
        renewal.start()
        failed = False
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            renewal.stopped.set()
            renewal.join()
            lost = renewal.lost
            try:
                lock.release()
            except LockNotOwnedError:
                lost = True
            except (LockError, RedisError) as exc:  # the key expires by itself; the work itself is done
                log.warning("lock %s not released: %s", name, exc)
            if lost and not failed:
                raise LockLost(name)
