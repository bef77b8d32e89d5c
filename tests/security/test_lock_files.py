"""Lock files do not pile up (third red team: 881 files in instance/locks after one crawl, one per audio key).

The holder of a file lock unlinks its file before letting go; a waiter that then gets the lock on the unlinked
file sees that the path names another file and starts over, so the lock still excludes across threads and
processes.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from pathlib import Path

from service import create_app
from service.core.locks import FileLocks


def test_a_crawl_of_cold_audio_leaves_no_lock_file(app_config, tmp_path):
    """Every chunk of a page made cold by the audio view: the lock folder is empty afterwards."""
    root = tmp_path / "locks"
    client = create_app({**app_config, "LOCK_DIR": str(root)}).test_client()
    page = client.get("/de/")
    assert page.status_code == 200
    urls = [u for u in page.text.split('"') if "/audio/" in u and u.endswith(".mp3")]
    assert len(urls) >= 3
    for url in urls:
        assert client.get(url).status_code == 200
    assert not root.exists() or [p.name for p in root.iterdir()] == []


def _count_in_lock(root: str, name: str, rounds: int, shared: str) -> None:
    """In a child process: increment a number in a file under the lock, rounds times, the slow way."""
    locks = FileLocks(root)
    for _ in range(rounds):
        with locks.hold(name):
            value = int(Path(shared).read_text())
            time.sleep(0.0005)  # a lost update shows when two holders overlap
            Path(shared).write_text(str(value + 1))


def test_the_lock_still_excludes_while_its_file_comes_and_goes(tmp_path):
    """Four processes and four threads, 40 rounds each on one name: no update lost, no file left."""
    root, shared = tmp_path / "locks", tmp_path / "count"
    shared.write_text("0")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_count_in_lock, args=(str(root), "audio:de:k", 40, str(shared))) for _ in range(4)]
    threads = [threading.Thread(target=_count_in_lock, args=(str(root), "audio:de:k", 40, str(shared)))
               for _ in range(4)]
    for worker in (*procs, *threads):
        worker.start()
    for worker in (*procs, *threads):
        worker.join(120)
    assert [p.exitcode for p in procs] == [0] * 4
    assert shared.read_text() == str(8 * 40)
    assert os.listdir(root) == []
