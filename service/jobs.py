"""Background work of several servers: synthesis and machine translation as RQ jobs on Redis, each item once.

With REDIS_URL set, ``init_app`` puts a ``Jobs`` object in ``app.extensions["jobs"]``; without it
there is none and callers keep today's in-process work (``ensure_audio`` synthesizes under the
lock, MT uses its thread pool). A job's id names its item (``audio-<locale>-<key>``), and
``submit`` enqueues an id only when no job of that id is queued or running, so an item is worked
once however many servers ask. Every job holds a lease (the Redis lock ``job:<id>``, renewed while
its worker lives); a job marked started whose lease is gone lost its worker (``kill -9``, a dead
machine) and ``recover``, run by every worker's maintenance and by waiting commands, puts it
back in its queue. The work itself is idempotent: the synthesis takes the item's lock and looks
for a finished file again, so a recovered job never makes a second file.

Jobs are stored as JSON, never pickled, and their arguments are plain data (strings, lists, dicts):
whoever can write to Redis cannot make a worker unpickle code, and a worker runs only the functions
of JOB_FUNCTIONS (ServiceJob), so a forged job names nothing else to call.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import redis
from flask import Flask, current_app
from rq import Queue, Retry, Worker, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from .audio.cache import AudioCache, CachedAudio
from .audio.publish import (
    AudioUnavailable,
    audio_key,
    build,
    ensure_entry,
    page_segments,
)
from .audio.render import Segment
from .audio.warm import warm_after
from .core.locks import Locks, LockTimeout, LockUnavailable
from .core.redislocks import UNREACHABLE, RedisLocks
from .mt import MTService

log = logging.getLogger(__name__)

#: A visitor waits for this queue's jobs; workers take it before BULK.
INTERACTIVE = "interactive"
#: `flask audio build`, `flask mt fill` and background MT.
BULK = "bulk"
QUEUES = (INTERACTIVE, BULK)
#: States of a job that will still run: submitting its id again adds nothing.
ALIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}
#: Seconds a worker blocks for the next job before its maintenance (recover) runs again.
WORKER_POLL = 5
#: How long (s) finished and failed jobs are kept for those who wait on them.
RESULT_TTL = 3600


class JobFailed(RuntimeError):
    """A job failed after its retries; the message says why."""


class ServiceJob(Job):
    """An RQ job that can only call the service's own job functions (JOB_FUNCTIONS)."""

    @property
    def func(self) -> Any:
        """The job's function, if it is one of JOB_FUNCTIONS; a forged job fails instead of calling anything."""
        if self.func_name not in JOB_FUNCTIONS or self.instance is not None:
            raise JobFailed(f"refused job function {self.func_name!r}: not one of the service's jobs")
        return super().func


def plain_segments(segments: list[Segment]) -> list[dict[str, Any]]:
    """Segments as plain data for a job's arguments (JSON: strings and lists only)."""
    return [{"block": s.block, "lang": s.lang, "text": s.text, "speech": s.speech, "terms": [list(t) for t in s.terms]}
            for s in segments]


def segments_of(plain: list[dict[str, Any]]) -> list[Segment]:
    """Segments back from plain_segments' data."""
    return [Segment(str(s["block"]), str(s["lang"]), str(s["text"]), None if s["speech"] is None else str(s["speech"]),
                    tuple((str(a), str(b)) for a, b in s["terms"])) for s in plain]


def job_id(kind: str, locale: str, key: str) -> str:
    """The id of an item's job (RQ allows letters, digits, _ and - only)."""
    return f"{kind}-{locale}-{key}"


class Jobs:
    """The RQ queues of the app, with unique submission, leases and recovery of abandoned jobs."""

    def __init__(self, client: redis.Redis, locks: RedisLocks, timeout: int = 600, retries: int = 3):
        """Queue jobs in ``client``; ``locks`` make submission atomic and hold the leases."""
        self.client = client
        self.locks = locks
        self.timeout = int(timeout)
        self.retries = int(retries)
        self.queues = {name: Queue(name, connection=client, serializer=JSONSerializer, job_class=ServiceJob)
                       for name in QUEUES}

    # -- submitting and watching --------------------------------------------------------
    def submit(self, jid: str, func: Callable[..., Any], args: tuple, queue: str = BULK) -> Job:
        """Enqueue ``func(*args)`` as job ``jid`` unless a job of that id is queued or running."""
        with self.locks.hold(f"enqueue:{jid}", timeout=10):
            try:
                job = ServiceJob.fetch(jid, connection=self.client, serializer=JSONSerializer)
                if job.get_status() in ALIVE:
                    return job
            except NoSuchJobError:
                pass
            return self.queues[queue].enqueue(
                func, *args, job_id=jid, job_timeout=self.timeout, result_ttl=RESULT_TTL, failure_ttl=RESULT_TTL,
                retry=Retry(max=self.retries) if self.retries else None, description=jid,
            )

    def statuses(self, ids: list[str]) -> dict[str, str | None]:
        """Each job's status (None: unknown to Redis), in one round trip per 500 ids."""
        out: dict[str, str | None] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for jid, job in zip(chunk, ServiceJob.fetch_many(chunk, connection=self.client, serializer=JSONSerializer),
                                strict=True):
                out[jid] = None if job is None else job.get_status(refresh=False)
        return out

    def error(self, jid: str) -> str:
        """The last line of a failed job's error."""
        try:
            job = ServiceJob.fetch(jid, connection=self.client, serializer=JSONSerializer)
        except NoSuchJobError:
            return "the job disappeared"
        result = job.latest_result()
        text = (result.exc_string if result else None) or "failed"
        return text.strip().splitlines()[-1]

    def wait(self, ids: Iterable[str], progress: Callable[[int], None] | None = None, poll: float = 0.2,
             timeout: float | None = None) -> dict[str, str]:
        """Wait until every job finished or failed; return the failed ones with their error.

        ``progress(n)`` is called with how many more are done; abandoned jobs are recovered meanwhile.
        """
        pending = list(dict.fromkeys(ids))
        failed: dict[str, str] = {}
        deadline = None if timeout is None else time.monotonic() + timeout
        last_recover = 0.0
        while pending:
            states = self.statuses(pending)
            done = [jid for jid, state in states.items() if state not in ALIVE]  # finished, failed, stopped, gone
            for jid in done:
                if states[jid] != JobStatus.FINISHED:
                    failed[jid] = self.error(jid) if states[jid] else "the job disappeared"
            if done:
                pending = [jid for jid in pending if jid not in done]
                if progress:
                    progress(len(done))
            if not pending:
                break
            if deadline is not None and time.monotonic() > deadline:
                for jid in pending:
                    failed[jid] = "not finished in time"
                break
            if time.monotonic() - last_recover > WORKER_POLL:
                self.recover()
                last_recover = time.monotonic()
            time.sleep(poll)
        return failed

    def workers(self) -> int:
        """How many workers listen on the queues now."""
        return Worker.count(connection=self.client)

    # -- leases and recovery --------------------------------------------------------------
    @staticmethod
    def lease_name(jid: str) -> str:
        """The lock a running job holds."""
        return f"job:{jid}"

    def recover(self) -> list[str]:
        """Put back in their queue the started jobs whose worker died (lease gone); return their ids."""
        grace = self.locks.ttl + 2.0
        recovered = []
        for name, queue in self.queues.items():
            registry = StartedJobRegistry(name, connection=self.client)
            for jid in registry.get_job_ids(cleanup=False):
                if self._abandoned(jid, grace):
                    with self.locks.hold(f"enqueue:{jid}", timeout=10):
                        if self._abandoned(jid, grace):  # a second look under the submission lock
                            job = ServiceJob.fetch(jid, connection=self.client, serializer=JSONSerializer)
                            remove = getattr(registry, "remove_executions", None)
                            remove(job) if remove else registry.remove(job)
                            queue.enqueue_job(job, at_front=True)
                            recovered.append(jid)
                            log.warning("job %s lost its worker: queued again", jid)
        return recovered

    def _abandoned(self, jid: str, grace: float) -> bool:
        """A job is abandoned when it is marked started, for longer than ``grace`` s, and nobody holds its lease."""
        try:
            job = ServiceJob.fetch(jid, connection=self.client, serializer=JSONSerializer)
        except NoSuchJobError:
            return False
        if job.get_status(refresh=False) != JobStatus.STARTED or job.started_at is None:
            return False
        started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=UTC)
        if (datetime.now(UTC) - started).total_seconds() < grace:
            return False
        return not self.locks.is_held(self.lease_name(jid))


def get_jobs() -> Jobs | None:
    """The app's job queues, or None in the embedded mode (no REDIS_URL)."""
    return current_app.extensions.get("jobs")


def require_jobs() -> Jobs:
    """The app's job queues, for the work that only the scaled mode does."""
    jobs = get_jobs()
    if jobs is None:
        raise RuntimeError("no job queue: REDIS_URL is not set")
    return jobs


@contextlib.contextmanager
def _lease() -> Iterator[None]:
    """Hold the running job's lease (no job: nothing to hold)."""
    job = get_current_job()
    jobs = get_jobs()
    if job is None or jobs is None:
        yield
        return
    with jobs.locks.hold(Jobs.lease_name(job.id), timeout=jobs.locks.ttl * 2):
        yield


# -- the jobs (run by `flask worker`, inside the app context) ----------------------------
def synthesize_job(locale: str, plain: list[dict[str, Any]], key: str) -> str:
    """Synthesize one audio entry into the shared cache (once: under its lock, after a second look)."""
    segments = segments_of(plain)
    with _lease():
        actual = audio_key(locale, segments)
        if actual != key:
            raise JobFailed(f"this worker's speech settings give {actual}, not {key}: configure it like the app")
        build(locale, segments)  # a block's chunk, or a page or section joined from its chunks
    return key


def translate_job(locale: str, texts: list[str]) -> int:
    """Machine-translate texts into the shared MT cache; return how many were translated."""
    with _lease():
        service = current_app.extensions["mt"]
        with service.locks.hold(f"mt:{locale}"):
            service.translate_now(texts, locale)  # re-reads the cache: another job may have done them
    return len(texts)


# -- what callers use ---------------------------------------------------------------------
def ensure_audio(locale: str, slug: str, audio_id: str) -> CachedAudio:
    """The audio of a published id: from the cache, else made by a worker, or in-process when embedded or
    when no worker is alive (the request would otherwise wait AUDIO_JOB_WAIT for nothing)."""
    jobs = get_jobs()
    if jobs is None:
        return ensure_entry(locale, slug, audio_id)
    segments = page_segments(locale, slug, audio_id)
    key = audio_key(locale, segments)
    cache: AudioCache = current_app.extensions["audio_cache"]
    entry = cache.lookup(locale, key)
    if entry:
        return entry
    jid = job_id("audio", locale, key)
    try:
        if not jobs.workers():  # the item's lock keeps it once across servers, as in the embedded mode
            log.warning("no worker alive: synthesizing %s in the app server", jid)
            return ensure_entry(locale, slug, audio_id)
        jobs.submit(jid, synthesize_job, (locale, plain_segments(segments), key), INTERACTIVE)
        failed = jobs.wait([jid], poll=0.05, timeout=float(current_app.config["AUDIO_JOB_WAIT"]))
    except (LockUnavailable, LockTimeout, *UNREACHABLE) as exc:
        raise AudioUnavailable(f"job queue unreachable: {exc}") from exc
    entry = cache.lookup(locale, key)
    if entry is None:
        raise AudioUnavailable(failed.get(jid) or "no audio file after the job")
    return entry


def submit_audio(locale: str, slug: str, audio_id: str) -> str:
    """Queue the synthesis of one published audio id for `flask audio build`; return its job id."""
    jobs = require_jobs()
    segments = page_segments(locale, slug, audio_id)
    key = audio_key(locale, segments)
    jid = job_id("audio", locale, key)
    jobs.submit(jid, synthesize_job, (locale, plain_segments(segments), key), BULK)
    return jid


def warm_rest(locale: str, slug: str, audio_id: str, ext: str = "mp3") -> None:
    """Have the parts of a page after ``audio_id`` made ahead: as bulk jobs when scaled, else in this process."""
    if get_jobs() is None:
        warm_after(locale, slug, audio_id, ext)
    else:
        warm_after(locale, slug, audio_id, ext, submit=lambda ids: [submit_audio(locale, slug, i) for i in ids])


def translate_batches(texts: list[str], locale: str, batch_size: int, queue: str = BULK,
                      progress: Callable[[int], None] | None = None) -> dict[str, str]:
    """Machine-translate texts on the workers in batches and wait; return failed job ids with their error."""
    jobs = require_jobs()
    ids = []
    for i in range(0, len(texts), batch_size):
        batch = texts[i:i + batch_size]
        digest = hashlib.sha256("\x00".join(batch).encode()).hexdigest()[:32]
        jid = job_id("mt", locale, digest)
        jobs.submit(jid, translate_job, (locale, batch), queue)
        ids.append(jid)
    return jobs.wait(ids, progress=progress, timeout=float(jobs.timeout) * max(1, len(ids)))


def _mt_runner(app: Flask) -> Callable[[list[str], str], None]:
    """What the MT service's background thread calls for a batch: a job on a worker, waited for."""

    def run(texts: list[str], locale: str) -> None:
        """Translate one batch through RQ; raise when it failed."""
        with app.app_context():
            failed = translate_batches(texts, locale, len(texts) or 1, queue=INTERACTIVE)
        if failed:
            raise JobFailed("; ".join(failed.values()))

    return run


def make_worker(name: str | None = None) -> Worker:
    """An RQ worker on the app's queues (interactive first) whose maintenance also recovers abandoned jobs."""
    jobs = require_jobs()

    class ServiceWorker(Worker):
        """RQ's forking worker; maintenance every few seconds also runs Jobs.recover."""

        def run_maintenance_tasks(self) -> None:
            """RQ's own maintenance, then the recovery of jobs whose lease is gone."""
            super().run_maintenance_tasks()
            try:
                jobs.recover()
            except (LockUnavailable, LockTimeout, *UNREACHABLE) as exc:
                log.warning("recovery skipped: %s", exc)

    return ServiceWorker(list(jobs.queues.values()), name=name, connection=jobs.client, job_class=ServiceJob,
                         serializer=JSONSerializer, maintenance_interval=WORKER_POLL, worker_ttl=WORKER_POLL + 15)


#: The only functions a worker runs (ServiceJob), by the dotted name RQ stores.
JOB_FUNCTIONS = frozenset(f"{fn.__module__}.{fn.__qualname__}" for fn in (synthesize_job, translate_job))


def init_app(app: Flask, client: redis.Redis | None, locks: RedisLocks | Locks,
             mt: MTService | None) -> Jobs | None:
    """With Redis (``client``), create the queues and send the background MT of ``mt`` through them; else None:
    in-process work. The MT service is an argument, so this cannot run before it exists."""
    if client is None:
        return None
    if not isinstance(locks, RedisLocks):
        raise TypeError("the job queue needs Redis locks: locks shared by every host")
    jobs = Jobs(client, locks, timeout=int(app.config["JOB_TIMEOUT"]), retries=int(app.config["JOB_RETRIES"]))
    app.extensions["jobs"] = jobs
    if mt is not None:
        mt.runner = _mt_runner(app)
    return jobs
