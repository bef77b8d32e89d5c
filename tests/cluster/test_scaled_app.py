"""The app in scaled mode in this process: DATA_DIR seeding, the shared secret, the revision signal, the defaults."""
from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from service import create_app, datadir
from service.catalogs import compile_po
from service.config import ROOT
from service.content import get_content
from service.core.locks import FileLocks
from service.core.redislocks import RedisLocks, connect

NEW_TITLE = "Talent schools, changed elsewhere"


def scaled(tmp_path: Path, redis_server, **extra) -> dict:
    """Settings of one server of a scaled site (SQLite stands in for PostgreSQL here)."""
    return {"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite"), "REDIS_URL": redis_server.url,
            "DATA_DIR": str(tmp_path / "data"), "MT_ENABLED": False, **extra}


def test_without_the_settings_nothing_changes(tmp_path: Path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite"), "SECRET_KEY": "x"})
    assert app.config["BABEL_TRANSLATION_DIRECTORIES"] == str(ROOT / "translations")
    assert app.config["AUDIO_CACHE_DIR"] == str(ROOT / "audio_cache")
    assert app.config["MT_CACHE_PATH"] == str(tmp_path / "mt_cache.sqlite")
    assert isinstance(app.extensions["locks"], FileLocks)
    assert "jobs" not in app.extensions and "redis" not in app.extensions
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code == 1 and "FLASK_REDIS_URL" in result.output


def test_data_dir_is_seeded_with_compiled_catalogs_and_one_secret(tmp_path: Path, redis_server):
    first = create_app(scaled(tmp_path, redis_server))
    data = tmp_path / "data"
    assert first.config["BABEL_TRANSLATION_DIRECTORIES"] == str(data / "translations")
    assert first.config["AUDIO_CACHE_DIR"] == str(data / "audio_cache")
    assert isinstance(first.extensions["locks"], RedisLocks) and "jobs" in first.extensions
    for po in (ROOT / "translations").glob("*/LC_MESSAGES/messages.po"):
        copy = data / "translations" / po.relative_to(ROOT / "translations")
        assert copy.read_bytes() == po.read_bytes() and copy.with_suffix(".mo").exists()
    assert stat.S_IMODE((data / "secret_key").stat().st_mode) == 0o600
    assert not list(data.glob(".*.tmp"))
    second = create_app(scaled(tmp_path, redis_server))  # another server: same secret, no second seeding
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def _seed(url: str, target: str, results) -> None:
    """In another process: try to seed the folder."""
    results.put(datadir.seed_catalogs(ROOT / "translations", Path(target), RedisLocks(connect(url), prefix="seed")))


def test_servers_starting_together_seed_once(tmp_path: Path, redis_server):
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    target = tmp_path / "data" / "translations"
    procs = [ctx.Process(target=_seed, args=(redis_server.url, str(target), results)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert sorted(results.get(timeout=5) for _ in procs) == [False, False, False, True]
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in (ROOT / "translations").iterdir())


def _change_title(po: Path, msgid: str, text: str) -> None:
    """Write a catalog change the way another server would (no announcement from this process)."""
    with po.open("rb") as f:
        catalog = read_po(f, locale="en")
    catalog[msgid].string = text
    catalog[msgid].flags.discard("fuzzy")
    with po.open("wb") as f:
        write_po(f, catalog)
    compile_po(po)


def test_a_catalog_change_is_taken_from_the_revision_not_from_file_stamps(tmp_path: Path, redis_server):
    app = create_app(scaled(tmp_path, redis_server, REVISION_TTL=0.0))
    client = app.test_client()
    with app.app_context():
        msgid = next(b.msgid for b in get_content().pages["talentschulen"].blocks if b.tag == "h1")
    assert NEW_TITLE not in client.get("/en/talentschulen").text
    _change_title(tmp_path / "data" / "translations" / "en" / "LC_MESSAGES" / "messages.po", msgid, NEW_TITLE)
    # Files changed, revision not: this server keeps what it has (it never stats files over the network).
    assert NEW_TITLE not in client.get("/en/talentschulen").text
    other = create_app(scaled(tmp_path, redis_server))
    other.extensions["i18n"].announce("en")  # what the writing server does after its save
    assert NEW_TITLE in client.get("/en/talentschulen").text
