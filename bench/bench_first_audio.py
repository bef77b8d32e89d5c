"""Time to first audio on a cold page: the first block's chunk against the whole page, per locale.

The player plays a page as a playlist of per-block chunks, so a listener on a cold page waits for the first
chunk only. Both are measured in the same run, from an empty cache, through HTTP (the app's test client).
Run: python bench/bench_first_audio.py   (prints a table; not a test)
"""
from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service import create_app  # noqa: E402


def cold_get(app, url: str) -> float:
    """Seconds to fetch an audio URL whose file is not in the cache yet."""
    client = app.test_client()
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    response.get_data()
    return time.perf_counter() - started


def main() -> None:
    """For each locale's overview page: cold first chunk, cold whole page (in separate empty caches)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-first-"))
    print(f"{'locale':6} {'chunks':>6} {'first chunk s':>14} {'whole page s':>13} {'ratio':>6}")
    for locale in ("de", "en", "tr", "ar", "pl", "uk", "ro", "ru"):
        apps = [create_app({"SECRET_KEY": "bench", "DATABASE": str(tmp / f"{locale}{i}.sqlite"),
                            "AUDIO_CACHE_DIR": str(tmp / f"audio-{locale}-{i}")}) for i in (0, 1)]
        html = apps[0].test_client().get(f"/{locale}/").get_data(as_text=True)
        chunks = re.findall(r'"mp3": "(/audio/[^"]+/b\d+-[0-9a-f]{32}\.mp3)"', html)
        page = re.search(r'"page": \{[^}]*"mp3": "([^"]+)"', html).group(1)
        apps[1].test_client().get(f"/{locale}/")
        first = cold_get(apps[0], chunks[0])
        whole = cold_get(apps[1], page)
        print(f"{locale:6} {len(chunks):>6} {first:>14.3f} {whole:>13.3f} {whole / first:>6.1f}")


if __name__ == "__main__":
    main()
