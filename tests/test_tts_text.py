"""What is spoken: text cleaned for speech, mapped back to the characters shown."""
from __future__ import annotations

import pytest

from service.tts import text as speech_text
from service.tts.addresses import SIGNS, say_address


def test_cleaning_says_addresses_and_drops_decoration():
    """Addresses are read out, decorative characters are not spoken; offsets map back to the page."""
    shown = "Info ★ unter https://herne.de/a?b=c, per Mail an info@herne.de. Bürger*innen → hier."
    spoken = speech_text.clean(shown)
    assert "http" not in spoken.text and "@" not in spoken.text and "★" not in spoken.text
    assert "→" not in spoken.text and "*" not in spoken.text
    assert spoken.text == ("Info unter herne Punkt D E Schrägstrich A, per Mail an info at herne Punkt D E."
                           " Bürger innen hier.")
    # Every spoken character of an address stands for the whole shown address (one highlighted word).
    for word, address in (("Schrägstrich", "https://herne.de/a?b=c"), ("info", "info@herne.de")):
        begin, end = spoken.span(spoken.text.index(word))
        assert shown[begin:end] == address
    for i, ch in enumerate(spoken.text):
        begin, end = spoken.span(i)
        if ch != " " and end - begin == 1:
            assert shown[begin] == ch
    terms = speech_text.clean("Die HSM und die HSMX.", {"HSM": "Herner Stadtmuseum"})
    assert terms.text == "Die Herner Stadtmuseum und die HSMX."
    assert terms.source[len("Die Herner")] == len("Die ")


@pytest.mark.parametrize("lang,said", [
    ("de", "ombudsstelle Bindestrich barrierefreie Bindestrich I T at mags Punkt N R W Punkt D E"),
    ("en", "ombudsstelle dash barrierefreie dash I T at mags dot N R W dot D E"),
    ("tr", "ombudsstelle tire barrierefreie tire I T et mags nokta N R W nokta D E"),
    ("pl", "ombudsstelle myślnik barrierefreie myślnik I T małpa mags kropka N R W kropka D E"),
    ("ru", "ombudsstelle дефис barrierefreie дефис I T собака mags точка N R W точка D E"),
])
def test_addresses_are_said_in_the_readers_language(lang, said):
    """An e-mail address: its words as written, its signs named in the language, short parts spelt."""
    assert say_address("ombudsstelle-barrierefreie-it@mags.nrw.de", lang) == said
    assert say_address("https://www.herne.de/bildung/", lang).startswith("W W W ")
    assert say_address("mailto:a@b.de", "xx") == "A at B dot D E"  # an unknown language: English names


def test_every_locale_names_every_sign():
    """Each served locale has its own names for @ . - _ / : (none left empty)."""
    assert set(SIGNS) == {"de", "en", "tr", "ar", "pl", "uk", "ro", "ru"}
    for names in SIGNS.values():
        assert set(names) == {"@", ".", "-", "_", "/", ":"} and all(v.strip() for v in names.values())


def test_a_term_maps_to_exactly_the_shown_term():
    """Every spoken character of a lexicon hit stands for the whole shown term, nothing more."""
    shown = "Schulen in Herne und Mont-Cenis."
    spoken = speech_text.clean(shown, {"Mont-Cenis": "Mong Ssenie", "Herne": "Herne"})
    assert spoken.text == "Schulen in Herne und Mong Ssenie."
    at = spoken.text.index("Ssenie")
    begin, end = spoken.span(at)
    assert shown[begin:end] == "Mont-Cenis"
    assert shown.__getitem__(slice(*spoken.span(spoken.text.index("und")))) == "u"


def test_arabic_override_aligns_with_vowel_marks_stripped():
    """A fully vowelled override lines up word by word with the plain shown Arabic; a Latin name with its respelling."""
    shown = "تعمل مدينة Herne على تحسين التعليم."
    speech = "تَعْمَلُ مَدِينَةُ هِيرْنِه عَلَى تَحْسِينِ التَّعْلِيمِ."
    plain = speech_text.aligned(shown, speech)
    with_terms = speech_text.aligned(shown, speech, {"Herne": "هِيرْنِه"})
    words = shown.split()
    for spoken in (plain, with_terms):
        for k, m in enumerate(speech_text.WORD_RE.finditer(spoken.text)):
            begin, end = spoken.span(m.start())
            assert shown[begin:end] == words[k]
    assert speech_text.fold("التَّعْلِيمِ.") == speech_text.fold("التعليم") == "التعليم"


def test_alignment_spreads_a_respelled_part_over_the_shown_words():
    """Letters said one by one stand for the one shown abbreviation; the words around keep their own."""
    pairs = speech_text.align_words(["Die", "(HSM)", "baut."], ["Die", "(H", "S", "M)", "baut."])
    assert pairs == [(0, 0), (1, 1), (1, 1), (1, 1), (2, 2)]
    pairs = speech_text.align_words(["Gymnasium", "Wanne", "und", "X"], ["Gimnazjum", "und", "X"])
    assert pairs == [(0, 1), (2, 2), (3, 3)]


def test_shown_sentence_starts():
    """Sentences begin after final punctuation before a word that is not lower case."""
    assert speech_text.sentence_starts("Ein Satz. Noch einer! und klein. «Zitat» 2020.") == [0, 2, 6]
    assert speech_text.sentence_starts("") == []
