"""The argos engine on tiny real packages: discovery, pivoting, real output, offline splitting."""
from __future__ import annotations

import socket
import sys

import pytest

from service.mt.argos import ArgosEngine, RuleSentencizer
from service.mt.base import Engine, EngineError, EngineUnavailable


def test_network_is_blocked():
    """The guard every MT test runs under really refuses connections."""
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(OSError):
        socket.socket().connect(("127.0.0.1", 9))


def test_discovers_packages_and_pivot_targets(engine):
    """de->en is direct, fr is reachable from German only through English."""
    assert isinstance(engine, Engine)
    assert engine.available() and engine.unavailable_reason() is None
    assert engine.pairs() == [("de", "en"), ("en", "fr")]
    assert engine.targets("de") == ["en", "fr"]
    assert engine.route("de", "fr") == [("de", "en"), ("en", "fr")]
    assert engine.version("de", "en") == "translate-de_en@0.1"
    assert engine.version("de", "fr") == "translate-de_en@0.1+translate-en_fr@0.1"
    with pytest.raises(EngineUnavailable):
        engine.version("de", "tr")


def test_real_translation_direct_and_pivot(engine):
    """The hand-weighted models copy and swap words through argostranslate and CTranslate2."""
    out = engine.translate(["Die Stadt Herne hat viele Schulen.", "Eine Schule."], "de", "en")
    assert out == ["Die City Herne hat viele Schooln.", "Eine School."]
    assert engine.translate(["Die Stadt Herne."], "de", "fr") == ["Die Ville Herne."]


def test_several_sentences_split_without_download(engine):
    """A multi-sentence block is split by the rule splitter (MiniSBD would download a model)."""
    text = "Die Stadt wächst. Am 12. März 2025 öffnet z. B. die Schule! Wer kommt?"
    assert engine.translate([text], "de", "en") == [
        "Die City wächst. Am 12. März 2025 öffnet z. B. die School! Wer kommt?"
    ]
    from argostranslate import translate

    langs = {lang.code: lang for lang in translate.get_installed_languages()}
    node = langs["de"].get_translation(langs["en"]).underlying
    assert isinstance(node.sentencizer, RuleSentencizer)


def test_rule_sentencizer():
    """Abbreviations, ordinals and lower-case continuations do not end a sentence."""
    split = RuleSentencizer().split_sentences
    assert split("Hallo Welt. Wie geht es? Gut!") == ["Hallo Welt.", "Wie geht es?", "Gut!"]
    assert split("Am 3. Mai ist z. B. Nr. 5 dran. Danach nicht.") == ["Am 3. Mai ist z. B. Nr. 5 dran.",
                                                                      "Danach nicht."]
    assert split("ein Satz") == ["ein Satz"]


def test_no_packages_means_unavailable(tmp_path):
    """An empty package folder gives a clear reason, no crash."""
    eng = ArgosEngine(tmp_path / "nothing")
    assert not eng.available()
    assert "no package folder" in eng.unavailable_reason()
    assert eng.targets("de") == []
    with pytest.raises(EngineUnavailable):
        eng.translate(["Stadt"], "de", "en")


def test_argostranslate_missing_means_unavailable(packages_dir, monkeypatch):
    """Without the optional extra installed, the engine reports it instead of failing at import."""
    monkeypatch.setitem(sys.modules, "argostranslate", None)
    eng = ArgosEngine(packages_dir)
    assert not eng.available()
    assert "not installed" in eng.unavailable_reason()


def test_broken_model_raises_engine_error(private_packages):
    """A model file that cannot be loaded becomes EngineError, not a crash."""
    model = private_packages / "translate-de_en" / "model" / "model.bin"
    model.write_bytes(model.read_bytes()[:100])
    eng = ArgosEngine(private_packages)
    eng.reload()
    with pytest.raises(EngineError):
        eng.translate(["Die Stadt."], "de", "en")
