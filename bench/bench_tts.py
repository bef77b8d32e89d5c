"""Read-aloud figures per locale: cold synthesis of the overview page, speed vs real time, bytes, cached latency.

Run: /tmp/venv/bin/python bench/bench_tts.py   (prints a table; not a test)
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service import create_app  # noqa: E402
from service.audio.publish import audio_urls, ensure_entry, page_segments  # noqa: E402


def main() -> None:
    """Measure every shipped locale in a fresh app with an empty cache."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-tts-"))
    app = create_app({"SECRET_KEY": "bench", "DATABASE": str(tmp / "db.sqlite"), "AUDIO_CACHE_DIR": str(tmp / "audio")})
    client = app.test_client()
    print(f"{'locale':6} {'audio s':>8} {'cold s':>7} {'x real':>7} {'bytes/s':>8} {'cached ms':>10} {'range ms':>9}")
    for locale in app.config["SHIPPED_LOCALES"]:
        with app.test_request_context("/"):
            page_segments(locale, "index", "page")  # warm catalogs and the engine outside the timing
            urls = audio_urls(locale, "index", "page")
            started = time.perf_counter()
            entry = ensure_entry(locale, "index", "page")
            cold = time.perf_counter() - started
        duration = json.loads(entry.timings.read_text())["duration"] / 1000
        size = entry.mp3.stat().st_size
        client.get(urls["mp3"])
        laps = []
        for _ in range(50):
            t0 = time.perf_counter()
            r = client.get(urls["mp3"])
            laps.append(time.perf_counter() - t0)
            assert r.status_code == 200, (r.status_code, urls["mp3"])
        ranged = []
        for _ in range(50):
            t0 = time.perf_counter()
            r = client.get(urls["mp3"], headers={"Range": "bytes=1000-50999"})
            ranged.append(time.perf_counter() - t0)
            assert r.status_code == 206
        print(f"{locale:6} {duration:8.1f} {cold:7.2f} {duration / cold:7.0f} {size / duration:8.0f} "
              f"{statistics.median(laps) * 1000:10.2f} {statistics.median(ranged) * 1000:9.2f}")


if __name__ == "__main__":
    main()
