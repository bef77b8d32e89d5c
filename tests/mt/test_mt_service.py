"""The MT service: which blocks are sent, caching, re-translation, failures, cache corruption."""
from __future__ import annotations

import sqlite3

import pytest

from service.core.locks import FileLocks
from service.mt import MTService
from service.mt.base import EngineError, EngineUnavailable
from service.mt.cache import TranslationCache, cache_key


@pytest.fixture
def sent(mt_app, monkeypatch) -> list[list[str]]:
    """Record every batch the real engine receives."""
    engine = mt_app.extensions["mt"].engine
    calls: list[list[str]] = []
    real = engine.translate

    def spy(texts, source, target):
        calls.append(list(texts))
        return real(texts, source, target)

    monkeypatch.setattr(engine, "translate", spy)
    return calls


def test_lookup_queues_then_serves_from_cache(mt_app, sent):
    """A miss answers 'pending' at once; the worker translates; the next look-up is a hit; nothing is sent twice."""
    service = mt_app.extensions["mt"]
    texts = ["Die Stadt.", "Die Schule.", "Die Stadt."]
    first = service.lookup(texts, "en")
    assert {r.status for r in first.values()} == {"pending"}
    assert first["Die Stadt."].text == "Die Stadt."
    assert service.wait(60)
    assert sent == [["Die Stadt.", "Die Schule."]]
    second = service.lookup(texts, "en")
    assert second["Die Stadt."].text == "Die City." and second["Die Stadt."].status == "machine"
    assert second["Die Schule."].text == "Die School."
    service.lookup(texts, "en")
    service.translate_now(texts, "en")
    assert service.wait(5)
    assert len(sent) == 1  # cached: never re-translated


def test_changed_source_is_translated_anew(mt_app, sent):
    """Only the changed text is sent again."""
    service = mt_app.extensions["mt"]
    service.translate_now(["Die Stadt wächst.", "Die Schule."], "en")
    service.translate_now(["Die Stadt wächst stark.", "Die Schule."], "en")
    assert sent == [["Die Stadt wächst.", "Die Schule."], ["Die Stadt wächst stark."]]


def test_cache_persists_across_apps(mt_config, sent):
    """A second process (a new app on the same cache file) does not translate again."""
    from service import create_app

    first = create_app(mt_config).extensions["mt"]
    first.translate_now(["Die Stadt."], "fr")
    second = create_app(mt_config).extensions["mt"]
    result = second.lookup(["Die Stadt."], "fr", schedule=False)["Die Stadt."]
    assert (result.text, result.status, result.model) == ("Die Ville.", "machine",
                                                          "translate-de_en@0.1+translate-en_fr@0.1")


def test_new_model_version_retranslates(mt_config, argos_models, tmp_path):
    """The model version is part of the key: an updated package translates again."""
    from service import create_app
    from tests.mt.conftest import install

    packages = install(None, tmp_path / "pk", argos_models["de_en"])
    app = create_app({**mt_config, "MT_PACKAGES_DIR": str(packages)})
    service = app.extensions["mt"]
    service.engine.reload()
    assert service.translate_now(["Die Schule."], "en")["Die Schule."].model == "translate-de_en@0.1"
    install(None, packages, argos_models["de_en_v2"])  # v2 swaps only Stadt
    service.engine.reload()
    result = service.translate_now(["Die Schule."], "en")["Die Schule."]
    assert (result.text, result.model) == ("Die Schule.", "translate-de_en@0.2")


def test_unreachable_locale_is_refused(mt_app):
    """No model route: no queueing, a clear error."""
    service = mt_app.extensions["mt"]
    assert not service.can_translate("tr")
    with pytest.raises(EngineUnavailable):
        service.lookup(["Die Stadt."], "tr")


def test_failure_mid_translation_does_not_poison_cache(mt_app, monkeypatch):
    """The model raises on the second text: nothing of the batch is stored, the locale is marked failing."""
    service = mt_app.extensions["mt"]
    from argostranslate import translate

    service.engine._translation("de", "en")  # load the real objects, then break the package translation
    langs = {lang.code: lang for lang in translate.get_installed_languages()}
    node = langs["de"].get_translation(langs["en"]).underlying
    real = node.hypotheses
    seen = []

    def crash(text, num_hypotheses=4):
        seen.append(text)
        if text.startswith("Zweiter"):
            raise RuntimeError("CUDA out of memory (simulated)")
        return real(text, num_hypotheses)

    monkeypatch.setattr(node, "hypotheses", crash)
    texts = ["Erster Satz in der Stadt.", "Zweiter Satz.", "Dritter Satz."]
    with pytest.raises(EngineError):
        service.translate_now(texts, "en")
    assert seen[:2] == texts[:2]  # the first text was translated, then the model crashed
    assert service.cache.get_many([service.key(t, "en") for t in texts]) == {}

    results = service.lookup(texts, "en")
    assert service.wait(30)
    assert service.failure("en") and "simulated" in service.failure("en")
    results = service.lookup(texts, "en")
    assert {r.status for r in results.values()} == {"failed"}
    assert results[texts[0]].text == texts[0]  # German stays
    assert service.cache.get_many([service.key(t, "en") for t in texts]) == {}


def test_broken_model_file_leaves_german(mt_config, private_packages):
    """A model that fails to load: pending -> failed, nothing cached, the revision says so."""
    from service import create_app

    (private_packages / "translate-de_en" / "model" / "model.bin").write_bytes(b"garbage")
    app = create_app({**mt_config, "MT_PACKAGES_DIR": str(private_packages)})
    service = app.extensions["mt"]
    service.engine.reload()
    before = service.revision("en")
    assert service.lookup(["Die Stadt."], "en")["Die Stadt."].status == "pending"
    assert service.wait(30)
    assert service.lookup(["Die Stadt."], "en")["Die Stadt."].status == "failed"
    assert service.revision("en") != before
    assert service.cache.stats() == {}


def test_truncated_cache_file_is_rebuilt(tmp_path):
    """A truncated SQLite file is detected at start, moved aside and replaced by an empty cache."""
    path = tmp_path / "c.sqlite"
    cache = TranslationCache(path)
    key = cache_key("Stadt", "de", "en", "argos", "m1")
    cache.put(key, locale="en", engine="argos", model="m1", source="Stadt", text="City")
    assert cache.get_many([key]).get(key).text == "City"
    cache.close()
    for extra in tmp_path.glob("c.sqlite-*"):
        extra.unlink()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] if len(data) > 200 else data[:50])
    rebuilt = TranslationCache(path)
    assert rebuilt.rebuilds == 1
    assert list(tmp_path.glob("c.sqlite.corrupt-*"))
    assert rebuilt.get_many([key]).get(key) is None
    rebuilt.put(key, locale="en", engine="argos", model="m1", source="Stadt", text="City")
    assert rebuilt.get_many([key]).get(key).text == "City"


def test_cache_damaged_while_running_is_rebuilt(tmp_path):
    """Garbage written over an open cache is noticed on the next query, not raised to the caller."""
    path = tmp_path / "c.sqlite"
    cache = TranslationCache(path)
    key = cache_key("Stadt", "de", "en", "argos", "m1")
    cache.put(key, locale="en", engine="argos", model="m1", source="Stadt", text="City")
    cache.close()
    for extra in tmp_path.glob("c.sqlite-*"):
        extra.unlink()
    path.write_bytes(b"this is not a database" * 100)
    assert cache.get_many([key]).get(key) is None
    assert cache.rebuilds == 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"


def test_two_workers_translate_once(mt_config, monkeypatch):
    """Two apps (as two gunicorn workers) on one cache: the per-locale file lock lets one translate, the other reads."""
    from service import create_app

    services = [create_app(mt_config).extensions["mt"] for _ in range(2)]
    sent: list[str] = []
    for service in services:
        real = service.engine.translate

        def spy(texts, source, target, real=real):
            sent.extend(texts)
            return real(texts, source, target)

        monkeypatch.setattr(service.engine, "translate", spy)
    texts = ["Die Stadt A.", "Die Stadt B.", "Die Schule C."]
    for service in services:
        service.lookup(texts, "en")
    assert all(service.wait(60) for service in services)
    assert sorted(sent) == sorted(texts)
    assert services[1].lookup(texts, "en")["Die Stadt A."].text == "Die City A."


def test_background_batches_hold_the_apps_mt_lock(mt_app, tmp_path):
    """The worker translates a locale's batch under the app's lock "mt:<locale>": a held lock makes it wait."""
    service = mt_app.extensions["mt"]
    assert service.locks is mt_app.extensions["locks"]
    with service.locks.hold("mt:en"):
        service.lookup(["Die Stadt."], "en")
        assert not service.wait(0.5)  # another process holds the locale: nothing is translated meanwhile
        assert service.pending("en") == 1
    assert service.wait(60)
    assert service.lookup(["Die Stadt."], "en", schedule=False)["Die Stadt."].status == "machine"


def test_service_without_the_app_locks_beside_its_cache(engine, tmp_path):
    """Used on its own, the service keeps its lock files in .locks beside the cache file."""
    service = MTService(engine, TranslationCache(tmp_path / "mt" / "cache.sqlite"))
    try:
        assert isinstance(service.locks, FileLocks) and service.locks.root == tmp_path / "mt" / ".locks"
        service.translate_now(["Die Stadt."], "en")
    finally:
        service.shutdown()
