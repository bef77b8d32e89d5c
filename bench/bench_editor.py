"""Editor page time with N generated entries in one locale (default 10,000), through the real app and SQLite.

Run: .venv/bin/python bench/bench_editor.py [--entries 10000] [--requests 30]
Copies the translations to a temporary folder, adds N reviewed English entries, signs in as an admin and
times GET of one entry's editor (with the list it came from, as from the entry list). Prints the first
request (it parses the catalog once per file version) and the median and 95th percentile of the rest.
The issue's target: under 100 ms.
"""
from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import catalogs, create_app, db  # noqa: E402
from service.workbench import auth  # noqa: E402

WORDS = ("Schule Bildung Stadt Herne Kinder Eltern Beratung Angebot Anmeldung Termin Förderung Unterricht "
         "Sprache Kurs Ausbildung Beruf Zukunft Talente Lernen Hilfe Familie Jugend Zentrum").split()
PASSWORD = "bench editor password 7"


def main() -> None:
    """Build the catalog, start the app, time the editor."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one request")
    args = parser.parse_args()
    rng = random.Random(24)
    with tempfile.TemporaryDirectory() as tmp:
        translations = Path(tmp) / "translations"
        shutil.copytree(ROOT / "translations", translations)
        po = catalogs.po_path(translations, "en")
        catalog = catalogs.load_po(po, "en")
        for i in range(args.entries):
            source = f"{' '.join(rng.choice(WORDS) for _ in range(rng.randint(6, 20)))} ({i})."
            catalog.add(source, source.upper(), locations=[("content/bench.md", 0)])
        catalogs.save_po(po, catalog)
        app = create_app({"SECRET_KEY": "bench", "DATABASE": f"{tmp}/bench.sqlite", "AUDIO_CACHE_DIR": f"{tmp}/audio",
                          "BABEL_TRANSLATION_DIRECTORIES": str(translations),
                          "PASSWORD_HASH_METHOD": "scrypt:32768:8:1"})
        with app.app_context(), db.connect(app) as conn:
            auth.add_user(conn, "bench", PASSWORD, "admin", ())
        client = app.test_client()
        page = client.get("/translate/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/translate/login", data={"csrf_token": token, "username": "bench", "password": PASSWORD})
        listing = client.get("/translate/en/", query_string={"q": "(500)"}).text
        key = re.search(r"/translate/en/entry/([0-9a-f]{16})", listing).group(1)
        url = f"/translate/en/entry/{key}?back=/translate/en/%3Fq%3DSchule"
        start = time.perf_counter()
        assert client.get(url).status_code == 200
        first = time.perf_counter() - start
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append(time.perf_counter() - start)
        times.sort()
        if "--profile" in sys.argv:
            import cProfile
            cProfile.runctx("client.get(url)", globals(), locals(), sort="cumulative")
        print(f"entries in the locale: {len(catalog)}, requests: {len(times)}")
        print(f"first editor request (parses the catalog): {first * 1000:.0f} ms")
        print(f"median: {statistics.median(times) * 1000:.0f} ms, p95: {times[int(len(times) * 0.95)] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
