"""The translation service: cache look-ups for requests, and an in-process background pool that fills the cache.

A web request never waits for a model: a message that is not cached yet is queued and
answered in German with status "pending"; one background thread translates the queue in
batches and stores results; the locale's revision then changes, so the next request
renders the page anew with the translations.  A failing model leaves the message
German (status "pending", the page says so) and stores nothing, so it is retried later.
"""
from __future__ import annotations

import enum
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..core.locks import FileLocks, Locks
from .base import Engine, EngineError, EngineUnavailable
from .cache import TranslationCache, cache_key
from .masking import Glossary, MaskError, mask, unmask_spacing

log = logging.getLogger(__name__)


class MTStatus(enum.StrEnum):
    """The state of one message's machine translation into one locale."""

    MACHINE = "machine"  # ``text`` is the translation
    REJECTED = "rejected"  # the engine's output lost a protected span: German stays
    PENDING = "pending"  # queued
    FAILED = "failed"  # the locale's model fails now: retried later


def _status(cached: str) -> MTStatus:
    """The state of a cached translation ('ok' or 'rejected', as the cache stores it)."""
    return MTStatus.MACHINE if cached == "ok" else MTStatus.REJECTED


@dataclass(frozen=True)
class Result:
    """The state of one message in one locale, with its text (the German while there is no translation)."""

    text: str
    status: MTStatus
    model: str = ""


class MTService:
    """Machine translation for one app: engine, cache, glossaries and the background worker."""

    def __init__(
        self,
        engine: Engine,
        cache: TranslationCache,
        source_locale: str = "de",
        glossary_dir: str | Path | None = None,
        batch_size: int = 16,
        retry_after: float = 60.0,
        workers: int = 1,
        locks: Locks | None = None,
    ):
        """Translate with ``engine`` into ``cache``; ``locks`` (default: files beside the cache) serialize work."""
        self.engine = engine
        #: Shared by every process on this cache (gunicorn workers): one batch per locale at a time.
        self.locks = locks if locks is not None else FileLocks(Path(cache.path).parent / ".locks")
        self.cache = cache
        self.source = source_locale
        self.glossary_dir = Path(glossary_dir) if glossary_dir else None
        self.batch_size = batch_size
        self.retry_after = retry_after
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mt")
        self._lock = threading.Lock()
        self._queue: OrderedDict[tuple[str, str], None] = OrderedDict()  # (locale, text)
        self._draining: Future | None = None
        self._failed: dict[str, tuple[float, str]] = {}  # locale -> (when, error)
        self._glossaries: dict[str, tuple[tuple, Glossary]] = {}
        self.translated_blocks = 0
        #: Set by the app with several servers (service.jobs): runs a batch elsewhere, e.g. as an RQ job.
        self.runner: Callable[[list[str], str], None] | None = None

    # -- configuration -------------------------------------------------------------
    def glossary(self, locale: str) -> Glossary:
        """The locale's glossary, re-read when its files change."""
        if self.glossary_dir is None:
            return Glossary()
        paths = [self.glossary_dir / "glossary.txt", self.glossary_dir / locale / "glossary.txt"]
        stamp = tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else None for p in paths)
        cached = self._glossaries.get(locale)
        if cached and cached[0] == stamp:
            return cached[1]
        glossary = Glossary.load(self.glossary_dir, locale)
        self._glossaries[locale] = (stamp, glossary)
        return glossary

    def locales(self) -> list[str]:
        """Locales reachable from the source language (empty when the engine is unavailable)."""
        try:
            return self.engine.targets(self.source)
        except Exception as exc:  # discovery must never break a request
            log.error("MT discovery failed: %s", exc)
            return []

    def can_translate(self, locale: str) -> bool:
        """Tell whether the engine has a route from the source language to locale."""
        return locale != self.source and locale in self.locales()

    def model(self, locale: str) -> str:
        """The model version used for a locale."""
        return self.engine.version(self.source, locale)

    def key(self, text: str, locale: str) -> str:
        """The cache key of one message in one locale with the current model and glossary."""
        return cache_key(text, self.source, locale, self.engine.name, self.model(locale),
                         self.glossary(locale).signature())

    # -- look-ups (web requests) -----------------------------------------------------
    def lookup(self, texts: list[str], locale: str, schedule: bool = True) -> dict[str, Result]:
        """Cached results for texts; the missing ones are queued (when schedule) and answered 'pending'."""
        if not self.can_translate(locale):
            raise EngineUnavailable(f"no machine translation into {locale}")
        keys = {text: self.key(text, locale) for text in texts}
        found = self.cache.get_many(list(keys.values()))
        results: dict[str, Result] = {}
        missing: list[str] = []
        for text, key in keys.items():
            entry = found.get(key)
            if entry is not None:
                results[text] = Result(entry.text, _status(entry.status), entry.model)
            else:
                missing.append(text)
        if missing:
            failed = self.failure(locale)
            for text in missing:
                results[text] = Result(text, MTStatus.FAILED if failed else MTStatus.PENDING)
            if schedule and not failed:
                self.enqueue(missing, locale)
        return results

    def failure(self, locale: str) -> str | None:
        """The last error of the locale's model while it is recent (no retry before retry_after)."""
        with self._lock:
            entry = self._failed.get(locale)
            if entry and time.monotonic() - entry[0] < self.retry_after:
                return entry[1]
            self._failed.pop(locale, None)
            return None

    def revision(self, locale: str) -> str:
        """Changes when a translation of the locale is stored or its model fails."""
        if locale == self.source or not self.can_translate(locale):
            return ""
        failed = "F" if self.failure(locale) else ""
        return f"{self.cache.revision(locale)}{failed}"

    # -- background work -----------------------------------------------------------------
    def enqueue(self, texts: list[str], locale: str) -> None:
        """Queue texts for the background worker, each once."""
        with self._lock:
            for text in texts:
                self._queue.setdefault((locale, text), None)
            if self._draining is None or self._draining.done():
                self._draining = self._pool.submit(self._drain)

    def pending(self, locale: str | None = None) -> int:
        """How many messages wait for translation."""
        with self._lock:
            return sum(1 for (loc, _) in self._queue if locale is None or loc == locale)

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until the queue is empty (for the CLI and tests); True when it is."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                future = self._draining
                if not self._queue and (future is None or future.done()):
                    return True
            if future is not None:
                try:
                    future.result(timeout=max(0.0, deadline - time.monotonic()))
                except Exception:  # reported in the log by _drain
                    pass
            else:
                time.sleep(0.01)
        return False

    def _drain(self) -> None:
        """Translate the queue in batches of one locale until it is empty."""
        while True:
            with self._lock:
                if not self._queue:
                    return
                locale = next(iter(self._queue))[0]
                batch = [text for (loc, text) in self._queue if loc == locale][: self.batch_size]
            try:
                if self.runner is not None:
                    self.runner(batch, locale)
                else:
                    with self.locks.hold(f"mt:{locale}"):
                        self.translate_now(batch, locale)  # re-reads the cache: another worker may have done it
            except Exception as exc:
                log.error("MT %s failed: %s", locale, exc)
                with self._lock:
                    self._failed[locale] = (time.monotonic(), str(exc))
                    for text in [t for (loc, t) in self._queue if loc == locale]:
                        self._queue.pop((locale, text), None)
                continue
            with self._lock:
                for text in batch:
                    self._queue.pop((locale, text), None)

    # -- translating -----------------------------------------------------------------------
    def translate_now(self, texts: list[str], locale: str) -> dict[str, Result]:
        """Translate texts at once (no queue), store them in the cache and return the results.

        Cached texts are not sent again.  An engine error propagates and nothing of this
        batch is stored, so a failing model never poisons the cache.
        """
        if not self.can_translate(locale):
            raise EngineUnavailable(f"no machine translation into {locale}")
        model = self.model(locale)
        glossary = self.glossary(locale)
        keys = {text: self.key(text, locale) for text in dict.fromkeys(texts)}
        found = self.cache.get_many(list(keys.values()))
        results: dict[str, Result] = {
            t: Result(found[k].text, _status(found[k].status), found[k].model)
            for t, k in keys.items() if k in found
        }
        todo = [t for t in keys if t not in results]
        if not todo:
            return results
        masked = [mask(text, glossary) for text in todo]
        outputs = self.engine.translate([m.text for m in masked], self.source, locale)
        if len(outputs) != len(todo):
            raise EngineError(f"engine returned {len(outputs)} results for {len(todo)} texts")
        rows = []
        for text, m, out in zip(todo, masked, outputs, strict=True):
            try:
                final, status = unmask_spacing(text, m.restore(out)), "ok"
            except MaskError as exc:
                # Deterministic for this model: store the verdict so the text is not sent again.
                log.warning("MT output for %s dropped a protected span (%s): keeping German", locale, exc)
                final, status = text, "rejected"
            rows.append((text, final, status))
        for text, final, status in rows:  # only after the whole batch succeeded
            self.cache.put(keys[text], locale=locale, engine=self.engine.name, model=model, source=text,
                           text=final, status=status)
            results[text] = Result(final, _status(status), model)
        self.translated_blocks += len(rows)
        return results

    def shutdown(self) -> None:
        """Stop the worker thread (pending work is dropped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
