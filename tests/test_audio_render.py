"""Rendering with the real espeak-ng and lameenc: decodable MP3, timings that fit it, WebVTT, voices per block."""
from __future__ import annotations

import pytest

from service.audio.render import FORMAT_VERSION, GAP_MS, Segment, join, render, vtt_cue, vtt_timestamp
from service.tts.base import BackendError
from service.tts.espeak import EspeakBackend
from service.tts.mp3 import mp3_info

from .audio_support import PAGE, VOICES, CountingBackend, decode


def voice_for(lang: str) -> str:
    """The espeak-ng voice of a language."""
    return VOICES[lang]


@pytest.fixture(scope="module")
def rendered() -> tuple[bytes, dict, str]:
    """The sample page rendered once for the module."""
    return render(EspeakBackend(), PAGE, voice_for)


def test_mp3_decodes_and_timings_fit(rendered):
    """The MP3 decodes to audio as long as the timings say, mono, at most 48 kbit/s; timings are monotonic."""
    mp3, timings, _ = rendered
    sound = decode(mp3)
    seconds = sound.num_frames / sound.sample_rate
    assert sound.sample_rate == 22050 and sound.nchannels == 1
    assert abs(seconds * 1000 - timings["duration"]) < 150  # encoder padding only
    n_words = sum(len(s.text.split()) for s in PAGE)
    assert 0.4 * n_words * 60 / 175 < seconds < 3 * n_words * 60 / 175
    info = mp3_info(mp3)
    assert info["channels"] == 1 and info["max_kbps"] <= 48
    assert len(mp3) * 8 / seconds <= 48_500
    assert timings["backend"] == "espeak" and timings["version"] == FORMAT_VERSION
    # timings: monotonic, inside the audio, every block present in order, a pause between blocks
    assert [b["id"] for b in timings["blocks"]] == ["b1", "b2", "b3"]
    for kind in ("words", "sentences", "blocks"):
        items = timings[kind]
        assert items, kind
        assert all(0 <= i["start"] <= i["end"] <= timings["duration"] for i in items)
        assert [i["start"] for i in items] == sorted(i["start"] for i in items)
    blocks = timings["blocks"]
    assert all(abs(b["start"] - a["end"] - GAP_MS) <= 1 for a, b in zip(blocks, blocks[1:], strict=False))
    # word indexes point into the shown words of their block
    shown = {s.block: s.text.split() for s in PAGE}
    assert all(0 <= w["w"] < len(shown[w["block"]]) for w in timings["words"])
    spoken_b2 = [shown["b2"][w["w"]] for w in timings["words"] if w["block"] == "b2"]
    # Addresses are read out and highlighted as one shown word each (issue 25).
    assert "https://www.herne.de/schule" in spoken_b2 and "schule@herne.de." in spoken_b2
    assert "Euro." in spoken_b2


def test_vtt_has_one_cue_per_sentence(rendered):
    """The WebVTT file has a cue for every sentence, with the text shown on the page."""
    _, timings, vtt = rendered
    assert vtt.startswith("WEBVTT\n\n") and "-->" in vtt and "This passage is in English." in vtt
    cues = vtt.removeprefix("WEBVTT\n\n").strip().split("\n\n")
    assert len(cues) == len(timings["sentences"])
    assert cues[0].splitlines()[0] == "b1-1" and cues[0].splitlines()[2] == "Lernen am Kanal"


def test_vtt_formatting():
    """Timestamps are hh:mm:ss.ttt; an arrow in the text cannot end the timing line."""
    assert vtt_timestamp(0) == "00:00:00.000"
    assert vtt_timestamp(3_723_004.4) == "01:02:03.004"
    assert vtt_timestamp(-5) == "00:00:00.000"
    assert vtt_cue("b2-3", 1500, 2000, " a --> b ") == "b2-3\n00:00:01.500 --> 00:00:02.000\na -> b\n"


def test_foreign_block_uses_its_own_voice(tmp_path):
    """A block marked lang="en" on a German page is spoken with the English voice."""
    log = tmp_path / "count.log"
    render(CountingBackend(log, delay=0), PAGE, voice_for)
    voices = [line.split()[1] for line in log.read_text().splitlines()]
    assert voices == ["de", "de", "en"]


def test_speech_text_is_spoken_but_words_point_at_the_shown_text():
    """A translator's spoken wording replaces the text for the engine; word indexes stay within the shown words."""
    shown = Segment("b1", "de", "Die HSM baut.", "Die Herner Stadtmuseum baut.")
    plain = Segment("b1", "de", "Die HSM baut.")
    _, with_speech, _ = render(EspeakBackend(), [shown], voice_for)
    _, without, _ = render(EspeakBackend(), [plain], voice_for)
    assert with_speech["duration"] > without["duration"]
    # aligned word by word: "Die" and "baut." are themselves, the long name is one highlight on "HSM"
    assert [w["w"] for w in with_speech["words"]] == [0, 1, 2]
    assert [w["w"] for w in without["words"]][:1] == [0]


def test_nothing_to_speak_is_an_error():
    """Segments without speakable text raise BackendError rather than giving an empty file."""
    with pytest.raises(BackendError, match="nothing to speak"):
        render(EspeakBackend(), [Segment("b1", "de", "★ → ■ •")], voice_for)


def test_lexicon_terms_are_spoken_and_highlight_the_whole_term():
    """A lexicon hit is said the lexicon's way; its spoken words are one highlight on exactly the shown term."""
    seg = Segment("b1", "de", "Die TalentKolleg Ruhr gGmbH baut.", terms=(("TalentKolleg Ruhr", "Talent Kollek Ruhr"),))
    _, timings, _ = render(EspeakBackend(), [seg], voice_for)
    words = timings["words"]
    term = [w for w in words if w["w"] == 1]
    assert len(term) == 1 and term[0].get("w1") == 2  # "TalentKolleg Ruhr": shown words 1 and 2, one highlight
    assert [w["w"] for w in words] == [0, 1, 3, 4]


def test_chunks_join_into_one_file_with_shifted_timings():
    """Block chunks joined without re-encoding: the MP3 is their concatenation, timings and cues move along."""
    first = render(EspeakBackend(), PAGE[:1], voice_for)
    second = render(EspeakBackend(), PAGE[2:], voice_for)
    mp3, timings, vtt = join([first, second])
    assert mp3 == first[0] + second[0]
    offset = round(mp3_info(first[0])["duration_ms"])
    assert [b["id"] for b in timings["blocks"]] == ["b1", "b3"]
    assert timings["blocks"][1]["start"] == offset
    assert timings["words"][-1]["end"] == second[1]["words"][-1]["end"] + offset
    assert timings["duration"] == round(mp3_info(mp3)["duration_ms"])
    assert abs(decode(mp3).num_frames / 22050 * 1000 - timings["duration"]) < 60
    cues = vtt.removeprefix("WEBVTT\n\n").strip().split("\n\n")
    assert len(cues) == len(timings["sentences"]) and cues[-1].splitlines()[2] == "This passage is in English."
    assert cues[-1].splitlines()[1].startswith(render_ts(timings["sentences"][-1]["start"]))


def render_ts(ms: int) -> str:
    """A WebVTT timestamp (shortcut for the assertions above)."""
    return vtt_timestamp(ms)
