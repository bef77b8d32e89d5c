"""What is spoken: text cleaned for speech, mapped back to the characters shown."""
from __future__ import annotations

from service.tts import text as speech_text


def test_cleaning_drops_urls_mails_and_decoration():
    """URLs, e-mail addresses and decorative characters are not spoken; offsets map back to the page."""
    shown = "Info ★ unter https://herne.de/a?b=c, per Mail an info@herne.de. Bürger*innen → hier."
    spoken = speech_text.clean(shown)
    assert "http" not in spoken.text and "@" not in spoken.text and "★" not in spoken.text
    assert "→" not in spoken.text and "*" not in spoken.text
    assert spoken.text.startswith("Info unter , per Mail an . Bürger innen hier")
    for i, ch in enumerate(spoken.text):
        if ch != " ":
            assert shown[spoken.source[i]] == ch
    terms = speech_text.clean("Die HSM und die HSMX.", {"HSM": "Herner Schulmodernisierungsgesellschaft"})
    assert terms.text == "Die Herner Schulmodernisierungsgesellschaft und die HSMX."
    assert terms.source[len("Die Herner")] == len("Die ")
