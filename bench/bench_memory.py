"""Translation-memory look-up time per entry in a generated locale of N reviewed entries (default 10,000).

Run: .venv/bin/python bench/bench_memory.py [--entries 10000] [--lookups 300]
Prints the time of the first look-up (it builds the per-catalog index) and the median and 95th percentile
of the following ones. The issue's target: under 50 ms per entry with 10,000 entries.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from babel.messages.catalog import Message  # noqa: E402

from service.workbench import aids  # noqa: E402

WORDS = ("Schule Bildung Stadt Herne Kinder Eltern Beratung Angebot Anmeldung Termin Förderung Unterricht "
         "Sprache Kurs Ausbildung Beruf Zukunft Talente Lernen Hilfe Familie Jugend Zentrum Gesamtschule "
         "Gymnasium Realschule Ganztag Betreuung Übergang Praktikum digital inklusiv kostenlos wöchentlich "
         "beginnt endet findet statt bietet unterstützt informiert erreicht vor nach mit für ohne im am").split()


def sentence(rng: random.Random) -> str:
    """A German-looking sentence of 6 to 24 words."""
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 24))).capitalize() + "."


def main() -> None:
    """Build the table, then time look-ups of sources near existing ones."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(24)
    table = {}
    while len(table) < args.entries:
        source = sentence(rng)
        table[source] = Message(source, source.upper())
    sources = list(table)
    queries = [rng.choice(sources).replace(rng.choice(WORDS), rng.choice(WORDS), 1) for _ in range(args.lookups)]
    start = time.perf_counter()
    aids.memory(table, queries[0])
    first = time.perf_counter() - start
    times, found = [], 0
    for query in queries[1:]:
        start = time.perf_counter()
        found += bool(aids.memory(table, query))
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"entries: {args.entries}, look-ups: {len(times)}, with a match: {found}")
    print(f"first look-up (builds the index): {first * 1000:.1f} ms")
    print(f"median: {statistics.median(times) * 1000:.1f} ms, p95: {times[int(len(times) * 0.95)] * 1000:.1f} ms, "
          f"max: {times[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
