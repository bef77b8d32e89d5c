"""The app in scaled mode in this process: DATA_DIR seeding, the shared secret, the revision signal, the defaults."""
from __future__ import annotations

import multiprocessing
import os
import shutil
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


def test_published_content_reaches_every_server_by_the_shared_revision(tmp_path: Path, redis_server):
    """Each server has its own copy of the content (deployed with times and sizes kept, so no stamp tells); one
    `flask content publish` anywhere makes every server show the new page, past both page caches."""
    old, new = "ist schon lange Geschichte", "ist schon LANGE Geschichte"
    servers = []
    for name in ("a", "b"):
        folder = tmp_path / name / "content"
        shutil.copytree(ROOT / "content", folder)
        settings = scaled(tmp_path, redis_server, CONTENT_DIR=str(folder), CONTENT_CHECK_INTERVAL=3600.0,
                          REVISION_TTL=0.0)
        servers.append((folder, create_app(settings)))
    clients = [app.test_client() for _, app in servers]
    before = [client.get("/de/") for client in clients]
    assert all(old in page.text for page in before)
    for folder, _ in servers:  # the deployment: every server's copy, as rsync -a writes it
        index = folder / "index.md"
        stamp, folder_stamp = index.stat(), folder.stat()
        index.write_text(index.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        os.utime(index, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        os.utime(folder, ns=(folder_stamp.st_atime_ns, folder_stamp.st_mtime_ns))
    assert all(old in client.get("/de/").text for client in clients)
    result = servers[0][1].test_cli_runner().invoke(args=["content", "publish", "--no-audio"])
    assert result.exit_code == 0, result.output
    after = [client.get("/de/") for client in clients]
    assert all(new in page.text for page in after)
    assert [a.headers["ETag"] for a in after] != [b.headers["ETag"] for b in before]
    assert after[0].headers["ETag"] == after[1].headers["ETag"]  # the same content: the same page everywhere
