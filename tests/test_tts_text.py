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
