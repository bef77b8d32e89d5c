"""Read-aloud of a machine-translated page: the French text is spoken with espeak-ng's French voice."""
from __future__ import annotations

import re

import miniaudio

from service.audio.publish import page_segments


def test_machine_translated_page_is_read_aloud_in_its_language(mt_app, mt_client):
    """After MT lands, /fr/ has a player whose MP3 speaks the French machine text with the fr voice."""
    mt_client.get("/fr/werkstatt")
    assert mt_app.extensions["mt"].wait(60)
    page = mt_client.get("/fr/werkstatt").get_data(as_text=True)
    assert "status-machine" in page
    mp3_url = re.search(r'<audio class="player-audio"[^>]*src="([^"]+)"', page).group(1)
    timings_url = re.search(r'"json": "(/audio/fr/werkstatt/page-[0-9a-f]{32}\.json)"', page).group(1)
    audio = mt_client.get(mp3_url)
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg"
    decoded = miniaudio.decode(audio.data, nchannels=1)
    assert decoded.duration > 5
    timings = mt_client.get(timings_url).get_json()
    assert {b["lang"] for b in timings["blocks"]} == {"fr"}
    assert timings["words"] and timings["words"][-1]["end"] <= timings["duration"]
    with mt_app.test_request_context():
        segments = page_segments("fr", "werkstatt", "page")
    assert any("Werkstatt der Ville" in s.text for s in segments)  # the machine-made words are what is read
    assert {s.lang for s in segments} == {"fr"}
    assert mt_app.extensions["tts"].voices("fr")["fr"] == "fr"
