"""Build tiny but real Argos Translate packages: a SentencePiece model and a hand-weighted copy Transformer.

The CTranslate2 model copies its input token by token (cross-attention on position
encodings picks source position t at decoding step t) and can swap chosen pieces,
e.g. "Stadt" -> "City".  Because the output ignores the decoding history, every beam
ends on ``</s>`` at the same step, so argos' beam search with ``length_penalty=0.2``
finishes after exactly len(source) + 1 steps.
"""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np

#: The fixture pages: the training text (nothing is read from outside the clone, nor from the editors' pages).
CONTENT_DIR = Path(__file__).resolve().parent / "fixtures" / "site" / "content"
#: Words that must be single pieces so that a swap can exchange them.
SWAP_WORDS = ["Stadt", "City", "Ville", "Schule", "School"]
#: Extra training text beyond the seed, so common page words are in the vocabulary.
EXTRA_TEXT = """Die Stadt Herne fördert Talente in jeder Schule.
TalentKolleg Ruhr, Realschule Crange, Mont-Cenis Gesamtschule und HSM.
The City of Herne supports talents in every School.
Weitere Informationen finden Sie unter https://www.herne.de/bildung
Anmeldung bis 12. März 2025, Beitrag 25 € pro Monat, 3,5 km entfernt.
"""
POS_DIMS = 64
MAX_POSITIONS = 512
#: Random angular frequencies (seed chosen so that off-peak position similarity stays below 11 of 32).
FREQ_SEED = 33


def train_sentencepiece(workdir: Path) -> Path:
    """Train a small SentencePiece model (byte fallback, chosen words as single pieces)."""
    import sentencepiece as spm

    workdir.mkdir(parents=True, exist_ok=True)
    corpus = workdir / "corpus.txt"
    pages = [p.read_text(encoding="utf-8") for p in sorted(CONTENT_DIR.glob("*.md"))]
    text = "\n".join(pages) + "\n" + EXTRA_TEXT
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    prefix = workdir / "sp"
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(prefix),
        vocab_size=560,
        hard_vocab_limit=False,
        byte_fallback=True,
        character_coverage=1.0,
        user_defined_symbols=SWAP_WORDS,
        model_type="unigram",
        minloglevel=2,
    )
    return prefix.with_suffix(".model")


def _vocab(sp_model: Path) -> list[str]:
    """The pieces of a SentencePiece model, by id."""
    import sentencepiece as spm

    proc = spm.SentencePieceProcessor(model_file=str(sp_model))
    return [proc.id_to_piece(i) for i in range(proc.get_piece_size())]


def _position_encodings(dim: int, offset: int) -> np.ndarray:
    """cos/sin pairs at random frequencies in dims [offset, offset + POS_DIMS)."""
    freqs = np.random.default_rng(FREQ_SEED).uniform(0.15, 3.0, POS_DIMS // 2)
    pos = np.arange(MAX_POSITIONS)[:, None] * freqs[None, :]
    enc = np.zeros((MAX_POSITIONS, dim), dtype=np.float32)
    enc[:, offset : offset + POS_DIMS : 2] = np.cos(pos)
    enc[:, offset + 1 : offset + POS_DIMS : 2] = np.sin(pos)
    return enc


def build_ct2_model(sp_model: Path, out_dir: Path, swaps: dict[str, str] | None = None) -> Path:
    """Write a CTranslate2 copy model whose output swaps the pieces in ``swaps``."""
    import ctranslate2
    from ctranslate2.converters.converter import Converter
    from ctranslate2.specs import transformer_spec

    vocab = _vocab(sp_model)
    index = {p: i for i, p in enumerate(vocab)}
    v = len(vocab)
    d = v + POS_DIMS + (v % 2)
    ff = 8
    pos = _position_encodings(d, v)
    amp = float(np.sqrt(POS_DIMS / 2))  # token energy equal to position energy

    def zeros(*shape: int) -> np.ndarray:
        return np.zeros(shape, dtype=np.float32)

    def norm(spec) -> None:
        spec.gamma = np.ones(d, dtype=np.float32)
        spec.beta = zeros(d)

    def silent_block(layer) -> None:
        """Make a layer's self-attention and feed-forward add nothing to the residual."""
        norm(layer.self_attention.layer_norm)
        layer.self_attention.linear[0].weight = zeros(3 * d, d)
        layer.self_attention.linear[0].bias = zeros(3 * d)
        layer.self_attention.linear[1].weight = zeros(d, d)
        layer.self_attention.linear[1].bias = zeros(d)
        norm(layer.ffn.layer_norm)
        layer.ffn.linear_0.weight = zeros(ff, d)
        layer.ffn.linear_0.bias = zeros(ff)
        layer.ffn.linear_1.weight = zeros(d, ff)
        layer.ffn.linear_1.bias = zeros(d)

    spec = transformer_spec.TransformerSpec.from_config((1, 1), 1, pre_norm=True)
    enc = spec.encoder
    emb = zeros(v, d)
    emb[np.arange(v), np.arange(v)] = amp
    enc.embeddings[0].weight = emb
    enc.scale_embeddings = False
    enc.position_encodings.encodings = pos
    silent_block(enc.layer[0])
    norm(enc.layer_norm)

    dec = spec.decoder
    dec.embeddings.weight = zeros(v, d)
    dec.scale_embeddings = False
    dec.position_encodings.encodings = pos
    layer = dec.layer[0]
    silent_block(layer)
    att = layer.attention
    norm(att.layer_norm)
    pos_dims = np.arange(v, v + POS_DIMS)
    tok_dims = np.arange(v)
    q = zeros(d, d)
    q[pos_dims, pos_dims] = 6.0
    att.linear[0].weight = q
    att.linear[0].bias = zeros(d)
    kv = zeros(2 * d, d)
    kv[pos_dims, pos_dims] = 1.0
    kv[d + tok_dims, tok_dims] = 1.0
    att.linear[1].weight = kv
    att.linear[1].bias = zeros(2 * d)
    o = zeros(d, d)
    o[tok_dims, tok_dims] = 1.0
    att.linear[2].weight = o
    att.linear[2].bias = zeros(d)
    norm(dec.layer_norm)

    # Output piece j reads the source piece source_of[j]: a permutation, so swaps are symmetric.
    source_of = list(range(v))
    for src, tgt in (swaps or {}).items():
        a, b = index[src], index[tgt]
        source_of[a], source_of[b] = b, a
    proj = zeros(v, d)
    proj[np.arange(v), source_of] = 30.0
    dec.projection.weight = proj
    dec.projection.bias = zeros(v)

    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.config.add_source_eos = True

    class _Direct(Converter):
        """Hands the prepared spec to CTranslate2's saver."""

        def _load(self):
            return spec

    if out_dir.exists():
        shutil.rmtree(out_dir)
    _Direct().convert(str(out_dir), force=True)
    assert ctranslate2.contains_model(str(out_dir))
    return out_dir


def build_package(
    workdir: Path,
    from_code: str,
    to_code: str,
    swaps: dict[str, str] | None = None,
    version: str = "0.1",
    sp_model: Path | None = None,
) -> Path:
    """Build ``translate-<from>_<to>.argosmodel`` in ``workdir`` and return its path."""
    names = {"de": "German", "en": "English", "fr": "French", "tr": "Turkish", "xx": "Testish"}
    sp_model = sp_model or train_sentencepiece(workdir / "sp")
    code = f"translate-{from_code}_{to_code}"
    root = workdir / "build" / code
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    build_ct2_model(sp_model, root / "model", swaps)
    shutil.copy(sp_model, root / "sentencepiece.model")
    meta = {
        "package_version": version,
        "argos_version": "1.11.0",
        "from_code": from_code,
        "from_name": names.get(from_code, from_code),
        "to_code": to_code,
        "to_name": names.get(to_code, to_code),
        "type": "translate",
        "code": code,
        "languages": [],
    }
    (root / "metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    out = workdir / f"{code}-{version}.argosmodel"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            zf.write(path, Path(code) / path.relative_to(root))
    return out


if __name__ == "__main__":  # pragma: no cover - manual check
    import sys
    import tempfile

    tmp = Path(tempfile.mkdtemp())
    print(build_package(tmp, "de", "en", {"Stadt": "City"}))
    sys.exit(0)
