"""One contract for every Locks backend (flock files, Redis), then what only the Redis backend promises."""
from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from service.core.locks import FileLocks, LockLost, LockTimeout, LockUnavailable
from service.core.redislocks import RedisLocks, connect
from service.core.revisions import RedisRevisions

from .servers import free_port


@pytest.fixture(params=["file", "redis"])
def make_locks(request, tmp_path: Path, redis_server):
    """A factory of Locks objects of one backend that share their locks (as processes of one site do)."""
    if request.param == "file":
        return lambda: FileLocks(tmp_path / "locks")
    prefix = f"t{time.monotonic_ns()}"
    return lambda: RedisLocks(connect(redis_server.url), prefix=prefix, ttl=2.0)


def _hold_and_count(make_locks, counter: Path, name: str) -> None:
    """In another process: take the lock, read-modify-write a counter file slowly, release."""
    with make_locks().hold(name):
        value = int(counter.read_text())
        time.sleep(0.01)
        counter.write_text(str(value + 1))


class TestLocksContract:
    """What callers of ``app.extensions["locks"]`` rely on, whichever backend it is."""

    def test_one_holder_at_a_time_across_processes(self, make_locks, tmp_path: Path):
        counter = tmp_path / "counter"
        counter.write_text("0")
        ctx = multiprocessing.get_context("fork")
        procs = [ctx.Process(target=_hold_and_count, args=(make_locks, counter, "catalog:tr:messages"))
                 for _ in range(8)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(30)
        assert [p.exitcode for p in procs] == [0] * 8
        assert counter.read_text() == "8"

    def test_a_held_lock_times_out_for_others_and_is_free_after_release(self, make_locks):
        first, second = make_locks(), make_locks()
        with first.hold("audio:tr:0123"):
            started = time.monotonic()
            with pytest.raises(LockTimeout):
                with second.hold("audio:tr:0123", timeout=0.3):
                    pass
            assert 0.25 <= time.monotonic() - started < 2.0
            with second.hold("audio:tr:other", timeout=0.3):  # other names are independent
                pass
        with second.hold("audio:tr:0123", timeout=0.3):
            pass

    def test_an_exception_releases_the_lock(self, make_locks):
        locks = make_locks()
        with pytest.raises(ZeroDivisionError):
            with locks.hold("mt:tr"):
                raise ZeroDivisionError
        with make_locks().hold("mt:tr", timeout=0.3):
            pass


def test_a_redis_lock_outlives_its_ttl_while_its_holder_works(redis_server):
    locks = RedisLocks(connect(redis_server.url), prefix="renew", ttl=0.6)
    with locks.hold("catalog:en:messages"):
        time.sleep(1.5)  # two and a half lifetimes: renewed meanwhile
        assert locks.is_held("catalog:en:messages")
        with pytest.raises(LockTimeout):
            with RedisLocks(connect(redis_server.url), prefix="renew", ttl=0.6).hold("catalog:en:messages",
                                                                                      timeout=0.2):
                pass
    assert not locks.is_held("catalog:en:messages")


def test_a_redis_lock_that_expired_while_held_is_detected(redis_server):
    client = connect(redis_server.url)
    locks = RedisLocks(client, prefix="lost", ttl=1.0)
    with pytest.raises(LockLost):
        with locks.hold("catalog:en:messages"):
            # The holder stalls past the lifetime and another process took the lock meanwhile.
            client.set(locks.key("catalog:en:messages"), b"someone else", px=5000)
            time.sleep(0.6)


def test_a_killed_holder_frees_its_redis_lock_after_its_ttl(redis_server):
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()

    def hold_forever() -> None:
        """Take the lock and never give it back."""
        with RedisLocks(connect(redis_server.url), prefix="killed", ttl=1.0).hold("audio:de:abc"):
            ready.set()
            time.sleep(60)

    proc = ctx.Process(target=hold_forever)
    proc.start()
    assert ready.wait(20)
    proc.kill()
    proc.join()
    started = time.monotonic()
    with RedisLocks(connect(redis_server.url), prefix="killed", ttl=1.0).hold("audio:de:abc", timeout=5):
        assert time.monotonic() - started < 2.5


def test_an_unreachable_redis_refuses_the_lock_before_any_work():
    locks = RedisLocks(connect(f"redis://127.0.0.1:{free_port()}/0"), ttl=1.0)
    worked = []
    with pytest.raises(LockUnavailable):
        with locks.hold("catalog:tr:messages"):
            worked.append(True)
    assert worked == []


def test_revisions_reach_every_server_and_survive_an_outage(redis_server):
    a = RedisRevisions(connect(redis_server.url), prefix="rev", ttl=0.2)
    b = RedisRevisions(connect(redis_server.url), prefix="rev", ttl=0.2)
    before = b.token("tr")
    assert a.bump("tr")
    assert a.token("tr") != before  # the writer sees its own change at once
    time.sleep(0.25)
    assert b.token("tr") == a.token("tr") and b.token("en") == ""

    down = RedisRevisions(connect(f"redis://127.0.0.1:{free_port()}/0"), ttl=0.0)
    assert down.token("tr") == "" and not down.reachable  # no exception: pages keep serving
    assert not down.bump("tr")
    assert down._unsent == {"tr"}  # sent again with the next successful read


def test_a_thread_and_a_process_of_the_same_host_contend_like_two_hosts(redis_server):
    locks = RedisLocks(connect(redis_server.url), prefix="threads", ttl=2.0)
    order = []

    def other() -> None:
        """Wait for the lock the main thread holds."""
        with locks.hold("catalog:pl:messages"):
            order.append("other")

    with locks.hold("catalog:pl:messages"):
        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.2)
        order.append("first")
    thread.join(5)
    assert order == ["first", "other"]
