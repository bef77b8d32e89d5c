"""Scaled mode: synthesis throughput of one RQ worker against two, and what a catalog save costs against embedded mode.

Starts its own PostgreSQL (as the postgres user when run as root) and Redis on loopback ports, like
tests/cluster, and real espeak-ng. Throughput: `flask audio build` over the same pages with one worker,
then (cache emptied) with two. Save: the workbench editor's POST through the app in this process, the
same entry saved alternately to two texts, embedded (SQLite, flock, file stamps) and scaled
(PostgreSQL, Redis lock, revision bump), interleaved rounds in one run.

    python bench/bench_cluster.py [--locales de,en,tr] [--saves 40] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from redis import Redis
from rq import Worker
from rq.job import Job
from rq.registry import FinishedJobRegistry

ROOT = Path(__file__).resolve().parent.parent


def build(env_for, flask, locales: list[str]) -> tuple[float, int]:
    """Run `flask audio build` for the locales; return wall seconds and how many files were made."""
    args = [a for loc in locales for a in ("--locale", loc)]
    started = time.perf_counter()
    run = subprocess.run(flask("audio", "build", *args), env=env_for("cli"), cwd=ROOT, capture_output=True,
                         text=True, timeout=1800)
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(run.stdout + run.stderr)
    made = int(run.stdout.rsplit(" of ", 1)[0].split()[-1])
    return elapsed, made


def job_window(client) -> float:
    """Seconds from the first bulk job's start to the last one's end."""
    ids = FinishedJobRegistry("bulk", connection=client).get_job_ids()
    jobs = [j for j in Job.fetch_many(ids, connection=client) if j is not None]
    return (max(j.ended_at for j in jobs) - min(j.started_at for j in jobs)).total_seconds()


def throughput(root: Path, pg, redis_server, locales: list[str], rounds: int) -> None:
    """Audio files per second with one worker, then with two, on an emptied cache."""
    from tests.cluster.servers import flask, worker

    data = root / "data"

    def env_for(name: str) -> dict[str, str]:
        """A process's environment: shared settings, its own instance folder."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env.update({"FLASK_DATABASE_URL": pg.url, "FLASK_REDIS_URL": redis_server.url, "FLASK_DATA_DIR": str(data),
                    "FLASK_MT_ENABLED": "false", "FLASK_INSTANCE_PATH": str(root / name / "instance"),
                    "PYTHONPATH": str(ROOT)})
        return env

    upgrade = subprocess.run(flask("db", "upgrade"), env=env_for("cli"), cwd=ROOT, capture_output=True, text=True)
    if upgrade.returncode != 0:
        raise SystemExit(upgrade.stderr)
    client = Redis.from_url(redis_server.url)
    runs: dict[int, list[tuple[float, int]]] = {1: [], 2: []}
    for r in range(rounds):
        for count in (1, 2):  # interleaved, so a busy moment of the machine hits both alike
            shutil.rmtree(data / "audio_cache", ignore_errors=True)
            client.flushdb()
            workers = [worker(f"bench{r}-{count}-{i}", env_for(f"w{i}"), root / f"w{r}-{count}-{i}.log")
                       for i in range(count)]
            for w in workers:
                w.start()
            try:
                while Worker.count(connection=client) < count:  # registered: the app is loaded
                    time.sleep(0.1)
                wall, made = build(env_for, flask, locales)
                runs[count].append((job_window(client), made))
                print(f"  round {r + 1}, {count} worker(s): {made} files, {wall:.1f} s with `flask audio build`'s "
                      f"start-up, load average {os.getloadavg()[0]:.1f}", flush=True)
            finally:
                for w in workers:
                    w.stop()
                while Worker.count(connection=client) > 0:
                    time.sleep(0.1)
    print(json.dumps({"locales": locales, "rounds": rounds}))
    print(f"{'workers':>8} {'files':>6} {'job seconds (rounds)':>22} {'files/s (median)':>17} {'vs one':>7}")
    rates = {count: statistics.median(made / seconds for seconds, made in values) for count, values in runs.items()}
    for count, values in runs.items():
        seconds = " ".join(f"{s:.1f}" for s, _ in values)
        print(f"{count:>8} {values[0][1]:>6} {seconds:>22} {rates[count]:>17.2f} {rates[count] / rates[1]:>6.2f}x")
    print("(a file is a page or a section: espeak-ng synthesis, MP3 encoding, timings, each job in a forked work "
          "horse; job seconds: from the first job's start to the last job's end, as RQ recorded them)")


def saves(root: Path, pg, redis_server, n: int, rounds: int) -> None:
    """Median time of one editor save, embedded against scaled, in interleaved rounds."""
    from service import create_app, db
    from service.workbench import auth
    from tests.workbench_support import PASSWORD, entry_key, login, save

    def app_for(mode: str):
        """An app of one mode with a translator account and its own copy of the catalogs."""
        folder = root / f"save-{mode}"
        translations = folder / "translations"
        shutil.copytree(ROOT / "translations", translations)
        config = {"TESTING": True, "SECRET_KEY": "bench", "DATABASE": str(folder / "db.sqlite"),
                  "BABEL_TRANSLATION_DIRECTORIES": str(translations), "MT_ENABLED": False,
                  "AUDIO_CACHE_DIR": str(folder / "audio"), "LOCK_DIR": str(folder / "locks")}
        if mode == "scaled":
            config.update({"DATABASE_URL": pg.url, "REDIS_URL": redis_server.url})
        app = create_app(config)
        with db.connect(app) as conn:
            auth.add_user(conn, f"bench-{mode}", PASSWORD, "translator", ("en",))
        client = app.test_client()
        login(client, f"bench-{mode}")
        return client, entry_key(client, "en", "Talentschulen")

    clients = {mode: app_for(mode) for mode in ("embedded", "scaled")}
    timings: dict[str, list[float]] = {mode: [] for mode in clients}
    for r in range(rounds):
        for mode, (client, key) in clients.items():
            for i in range(n):
                started = time.perf_counter()
                response = save(client, "en", key, f"Talent schools {r}-{i}")
                timings[mode].append(time.perf_counter() - started)
                assert response.status_code == 303, response.status_code
    base = statistics.median(timings["embedded"])
    print(f"{'mode':>9} {'saves':>6} {'median ms':>10} {'p90 ms':>8} {'vs embedded':>12}")
    for mode, values in timings.items():
        values.sort()
        median = statistics.median(values)
        print(f"{mode:>9} {len(values):>6} {median * 1000:>10.1f} {values[int(len(values) * 0.9)] * 1000:>8.1f} "
              f"{median / base:>11.2f}x")
    print("(each save: open the editor, POST, check, write .po, compile .mo, audit row; scaled adds the Redis "
          "lock and the revision bump, and PostgreSQL for the audit row and session checks)")


def main() -> None:
    """Start PostgreSQL and Redis, run both measurements, stop everything."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locales", default="de,en,tr", help="locales whose pages are synthesized")
    parser.add_argument("--saves", type=int, default=40, help="saves per mode and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of each measurement")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.cluster.servers import Postgres, Redis

    root = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    pg, redis_server = Postgres(), Redis(root / "redis")
    try:
        pg.start()
        redis_server.start()
        print("== synthesis throughput (real espeak-ng, RQ workers)")
        throughput(root, pg, redis_server, args.locales.split(","), args.rounds)
        print("== one catalog save through the editor")
        saves(root, pg, redis_server, args.saves, args.rounds)
    finally:
        redis_server.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
