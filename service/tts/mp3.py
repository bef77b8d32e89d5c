"""MP3 for the engines: mono encoding with lameenc, frame-header inspection, the standard bitrates."""
from __future__ import annotations

import lameenc

#: Layer III bitrates in kbit/s by frame-header index: MPEG-1 and MPEG-2/2.5 (index 0 is "free").
_BITRATES = {
    1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
}
#: Sample rates in Hz by MPEG version bits (3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5) and header index.
_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}
#: Every bitrate a constant-bitrate MP3 can have; lame silently rounds any other value.
STANDARD_BITRATES = tuple(sorted({kbps for table in _BITRATES.values() for kbps in table if kbps}))


def check_bitrate(kbps: int) -> int:
    """Return ``kbps`` if it is a standard MP3 bitrate; raise ValueError naming the valid ones otherwise."""
    if isinstance(kbps, bool) or not isinstance(kbps, int) or kbps not in STANDARD_BITRATES:
        valid = ", ".join(str(b) for b in STANDARD_BITRATES)
        raise ValueError(f"MP3 bitrate (AUDIO_BITRATE) must be one of {valid} kbit/s, not {kbps!r}")
    return kbps


def encode_mp3(pcm: bytes, sample_rate: int, bitrate: int = 48, quality: int = 5) -> bytes:
    """Encode 16-bit mono PCM as constant-bitrate mono MP3 in-process with lameenc."""
    enc = lameenc.Encoder()
    enc.set_bit_rate(check_bitrate(bitrate))
    enc.set_in_sample_rate(sample_rate)
    enc.set_out_sample_rate(sample_rate)
    enc.set_channels(1)
    enc.set_quality(quality)
    return bytes(enc.encode(pcm)) + bytes(enc.flush())


def mp3_info(data: bytes) -> dict:
    """Walk the MP3 frame headers: duration in ms, sample rate, highest bitrate, channel count."""
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        pos = 10 + size
    samples = 0
    rate = 0
    max_kbps = 0
    channels = 0
    frames = 0
    while pos + 4 <= len(data):
        h = int.from_bytes(data[pos:pos + 4], "big")
        if (h >> 21) & 0x7FF != 0x7FF:
            pos += 1
            continue
        version = (h >> 19) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        layer = (h >> 17) & 3
        br_i = (h >> 12) & 0xF
        sr_i = (h >> 10) & 3
        if version == 1 or layer != 1 or br_i in (0, 15) or sr_i == 3:
            pos += 1
            continue
        kbps = _BITRATES[1 if version == 3 else 2][br_i]
        rate = _RATES[version][sr_i]
        per_frame = 1152 if version == 3 else 576
        padding = (h >> 9) & 1
        length = (144 if version == 3 else 72) * kbps * 1000 // rate + padding
        channels = 1 if (h >> 6) & 3 == 3 else 2
        samples += per_frame
        max_kbps = max(max_kbps, kbps)
        frames += 1
        pos += length
    return {
        "duration_ms": samples / rate * 1000 if rate else 0.0,
        "sample_rate": rate,
        "max_kbps": max_kbps,
        "channels": channels,
        "frames": frames,
    }
