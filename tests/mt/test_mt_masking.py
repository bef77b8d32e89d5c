"""Protected spans: masked before MT, restored after, also through the real tiny model."""
from __future__ import annotations

import pytest

from service.mt.masking import Glossary, MaskError, mask, parse_glossary, unmask_spacing


def roundtrip(text: str, glossary: Glossary | None = None, translate=lambda s: s) -> str:
    """Mask, 'translate', restore."""
    m = mask(text, glossary)
    return unmask_spacing(text, m.restore(translate(m.text)))


def test_masks_placeholders_urls_links_numbers():
    """No underscore, URL or number with unit reaches the engine."""
    text = "Rund %(amount)s für [die Stadt](https://www.herne.de/a_b), siehe https://herne.de/x_y. Nur 3,5 km und 25 €."
    m = mask(text)
    assert "_" not in m.text and "http" not in m.text and "%(" not in m.text
    assert "die Stadt" in m.text  # link text is translated
    assert "3,5 km" not in m.text and "25 €" not in m.text
    assert roundtrip(text) == text


def test_restore_detects_lost_token():
    """A token the engine dropped is an error, never a silently broken text."""
    m = mask("Wert %(x)s hier")
    with pytest.raises(MaskError):
        m.restore(m.text.replace("XQ0X", ""))


def test_restore_tolerates_spacing_and_case():
    """Engines may split or lower-case tokens."""
    m = mask("A %(x)s B")
    assert m.restore(m.text.replace("XQ0X", "x q0 x")) == "A %(x)s B"


def test_glossary_file_format(tmp_path):
    """Plain terms stay, `a = b` is a fixed translation, the locale file wins."""
    (tmp_path / "glossary.txt").write_text("# comment\nHSM\nTalentKolleg Ruhr\nLernen am Kanal = Lernen am Kanal\n")
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "glossary.txt").write_text("Lernen am Kanal = Learning by the canal\n")
    g = Glossary.load(tmp_path, "en")
    assert g.terms == {"HSM": "HSM", "TalentKolleg Ruhr": "TalentKolleg Ruhr",
                       "Lernen am Kanal": "Learning by the canal"}
    assert parse_glossary("A = B # note\n\n") == {"A": "B"}
    assert roundtrip("Das Lernen am Kanal und HSM.", g) == "Das Learning by the canal und HSM."


def test_real_model_keeps_protected_text(mt_app):
    """argostranslate: placeholders (with '_'), link URLs and glossary terms survive; link text is translated."""
    service = mt_app.extensions["mt"]
    texts = [
        "Die Stadt investiert %(school_amount)s in die Realschule Crange.",
        "Mehr unter [Stadt Herne](https://www.herne.de/stadt_und_leben) oder https://herne.de/Stadt_plan.",
        "Die Mont-Cenis Gesamtschule und das TalentKolleg Ruhr in der Stadt, 3 km entfernt.",
    ]
    out = service.translate_now(texts, "en")
    assert out[texts[0]].text == "Die City investiert %(school_amount)s in die Realschule Crange."
    assert out[texts[1]].text == "Mehr unter [City Herne](https://www.herne.de/stadt_und_leben) oder https://herne.de/Stadt_plan."
    assert out[texts[2]].text == "Die Mont-Cenis Gesamtschule und das TalentKolleg Ruhr in der City, 3 km entfernt."
    assert {r.status for r in out.values()} == {"machine"}


def test_locale_glossary_fixed_translation(mt_app, mt_config):
    """A translator's per-locale glossary entry forces one translation and re-keys the cache."""
    from pathlib import Path

    service = mt_app.extensions["mt"]
    text = "Die Schule in der Stadt."
    assert service.translate_now([text], "en")[text].text == "Die School in der City."
    glossary = Path(mt_config["BABEL_TRANSLATION_DIRECTORIES"]) / "en" / "glossary.txt"
    glossary.write_text("Schule = Gesamtschule Wanne\n", encoding="utf-8")
    assert service.translate_now([text], "en")[text].text == "Die Gesamtschule Wanne in der City."
