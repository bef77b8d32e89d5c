"""Benchmark: MT service overhead per translated block vs a bare CTranslate2 call, and cached-block latency.

Builds the tiny test package (tests/tiny_argos.py) in a temporary folder, so it runs
offline anywhere.  Run: ``/tmp/venv/bin/python bench/bench_mt.py [--blocks 40]``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Build the model, time the three paths, print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--blocks", type=int, default=40, help="content blocks to translate")
    parser.add_argument("--repeat", type=int, default=2000, help="cached look-ups to time")
    parser.add_argument("--rounds", type=int, default=3, help="uncached rounds per block (best is kept)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-mt-"))
    for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        os.environ[var] = str(tmp / var.lower())
    sys.path.insert(0, str(ROOT))
    from service.content import Content
    from service.mt.argos import ArgosEngine
    from service.mt.cache import TranslationCache
    from service.mt.service import MTService
    from tests import tiny_argos

    packages = tmp / "packages"
    engine = ArgosEngine(packages)
    t0 = time.perf_counter()
    engine._import()
    import_s = time.perf_counter() - t0
    from argostranslate import package, settings

    t0 = time.perf_counter()
    model = tiny_argos.build_package(tmp / "build", "de", "en", {"Stadt": "City"})
    build_s = time.perf_counter() - t0
    settings.package_data_dir = packages
    packages.mkdir(exist_ok=True)
    package.install_from_path(model)
    engine.reload()

    texts = Content(ROOT / "content").all_messages()[: args.blocks]
    pkg = packages / "translate-de_en"

    # Bare CTranslate2 doing the same work as argos: the same sentences, one batch per block,
    # argos' decoding options and thread settings.
    import ctranslate2
    import sentencepiece as spm

    from service.mt.argos import RuleSentencizer

    sp = spm.SentencePieceProcessor(model_file=str(pkg / "sentencepiece.model"))
    translator = ctranslate2.Translator(str(pkg / "model"), device="cpu", inter_threads=1, intra_threads=0,
                                        compute_type="auto")  # argos' settings
    split = RuleSentencizer().split_sentences
    tokens = [[sp.encode(s, out_type=str) for s in split(t)] for t in texts]
    options = dict(beam_size=4, num_hypotheses=1, length_penalty=0.2, replace_unknowns=True, return_scores=True,
                   max_batch_size=32, batch_type="tokens")

    def bare(block: list[list[str]]) -> str:
        """Tokenized sentences -> translated text, as argos would, without argos or the service."""
        out = translator.translate_batch(block, **options)
        return sp.decode_pieces([p for r in out for p in r.hypotheses[0]])

    # The service: masking, argostranslate (sentence split, per-sentence batch), restore, SQLite write.
    # Interleaved per block and the best of --rounds taken, because this machine is shared and noisy.
    services = [MTService(engine, TranslationCache(tmp / f"cache{r}.sqlite"), glossary_dir=ROOT / "translations")
                for r in range(args.rounds)]
    bare(tokens[0])
    services[0].translate_now(["Warm-up der Stadt."], "en")
    bare_best, service_best = [], []
    for text, block in zip(texts, tokens, strict=True):
        b, v = [], []
        for r in range(args.rounds):
            t0 = time.perf_counter()
            bare(block)
            b.append(time.perf_counter() - t0)
            engine._translation("de", "en").cache = {}  # argos' own memo of the last paragraphs
            t0 = time.perf_counter()
            services[r].translate_now([text], "en")
            v.append(time.perf_counter() - t0)
        bare_best.append(min(b))
        service_best.append(min(v))
    bare_s, service_s = sum(bare_best), sum(service_best)
    service = services[0]

    # Cached look-ups, as a page render does per block.
    samples = []
    for i in range(args.repeat):
        s = time.perf_counter()
        service.lookup([texts[i % len(texts)]], "en", schedule=False)
        samples.append(time.perf_counter() - s)
    page = texts[:20]
    s = time.perf_counter()
    for _ in range(100):
        service.lookup(page, "en", schedule=False)
    page_s = (time.perf_counter() - s) / 100

    n = len(texts)
    words = sum(len(t.split()) for t in texts)
    print(f"tiny argos model: built in {build_s:.2f} s; argostranslate import {import_s:.2f} s")
    pieces = sum(len(x) for b in tokens for x in b)
    print(f"blocks: {n} content messages, {words} words, {pieces} pieces, {sum(map(len, tokens))} sentences")
    print(f"bare ctranslate2:  {bare_s / n * 1000:8.2f} ms per block")
    print(f"service (uncached): {service_s / n * 1000:8.2f} ms per block")
    print(f"service overhead:   {(service_s - bare_s) / n * 1000:8.2f} ms per block "
          f"({service_s / bare_s:.2f}x bare; median per block "
          f"{statistics.median(v - b for v, b in zip(service_best, bare_best, strict=True)) * 1000:.2f} ms)")
    print(f"cached block:       {statistics.median(samples) * 1e6:8.1f} us median, "
          f"{sorted(samples)[int(len(samples) * 0.99)] * 1e6:.1f} us p99 (lookup of 1 block)")
    print(f"cached page of {len(page)} blocks: {page_s * 1000:.2f} ms per lookup")
    service.shutdown()


if __name__ == "__main__":
    main()
