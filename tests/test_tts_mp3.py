"""MP3 encoding with the real lameenc and frame inspection, checked against a real decoder (miniaudio)."""
from __future__ import annotations

import miniaudio
import pytest

from service.tts.espeak import EspeakBackend
from service.tts.mp3 import STANDARD_BITRATES, check_bitrate, encode_mp3, mp3_info


@pytest.fixture(scope="module")
def speech() -> tuple[bytes, int]:
    """Real speech PCM from espeak-ng and its sample rate."""
    syn = EspeakBackend().synthesize("Die Stadt Herne investiert in ihre Schulen.", "de")
    return syn.pcm, syn.sample_rate


@pytest.mark.parametrize("kbps", [32, 48, 64, 96])
def test_encoding_keeps_the_configured_bitrate(speech, kbps):
    """The MP3 is mono, as long as the PCM, and exactly at the bitrate asked for (no silent cap)."""
    pcm, rate = speech
    data = encode_mp3(pcm, rate, kbps)
    info = mp3_info(data)
    seconds = len(pcm) / 2 / rate
    assert info["channels"] == 1 and info["sample_rate"] == rate and info["max_kbps"] == kbps
    assert abs(info["duration_ms"] - seconds * 1000) < 150  # encoder padding only
    sound = miniaudio.decode(data, nchannels=1, sample_rate=rate)
    assert abs(sound.num_frames / rate * 1000 - info["duration_ms"]) < 100
    assert len(data) * 8 / (info["duration_ms"] / 1000) <= kbps * 1000 * 1.01  # constant bitrate


def test_info_skips_an_id3_tag_and_garbage(speech):
    """An ID3 tag before the frames and stray bytes between them do not change the figures."""
    pcm, rate = speech
    data = encode_mp3(pcm, rate, 48)
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x05" + b"\x00" * 5
    assert mp3_info(tag + data + b"\x00\x01\x02")["frames"] == mp3_info(data)["frames"]
    assert mp3_info(b"")["duration_ms"] == 0.0


def test_only_standard_bitrates_are_accepted():
    """lame rounds any other bitrate silently: such a value is refused with the valid ones named."""
    for kbps in STANDARD_BITRATES:
        assert check_bitrate(kbps) == kbps
    assert {8, 48, 160, 320} <= set(STANDARD_BITRATES) and 0 not in STANDARD_BITRATES
    for bad in (0, 50, 321, -48, "48", 48.0, True):
        with pytest.raises(ValueError, match="AUDIO_BITRATE.*48"):
            check_bitrate(bad)
    with pytest.raises(ValueError):
        encode_mp3(b"\x00\x00" * 100, 22050, 50)
