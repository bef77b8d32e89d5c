"""The phoneme-stream-to-words mapping behind Piper's word timings, on hand-made streams."""
from __future__ import annotations

from service.tts.align import label_stream, sounding, word_spans


def tokens(text: str) -> list[str]:
    """A phoneme string as Piper's token list (one code point each)."""
    return list(text)


def words_of(labels: list[int], stream: list[str]) -> list[str]:
    """The stream cut into the pieces each word label got (silent tokens dropped)."""
    out: dict[int, str] = {}
    for tok, w in zip(stream, labels, strict=True):
        if w >= 0:
            out[w] = out.get(w, "") + tok
    return [out.get(i, "") for i in range(max(out) + 1)] if out else []


def test_word_spans_trim_punctuation_but_keep_inner_marks():
    """Words are runs of non-space; quotes, brackets and final stops are trimmed, apostrophes and dots inside kept."""
    text = '"Herne" (HSM) it\'s U.S. 10:30, 1,500.50 euros! — z.B.'
    spans = word_spans(text)
    assert [text[s:e] for s, e in spans] == ["Herne", "HSM", "it's", "U.S", "10:30", "1,500.50", "euros", "—", "z.B"]


def test_one_to_one_words_map_in_order():
    """Where the stream has one spoken word per text word, each word gets exactly its own phonemes."""
    words = [tokens("ðə"), tokens("sˈɪɾi"), tokens("ʌv"), tokens("hˈɜːn")]
    stream = tokens("ðə sˈɪɾi ʌv hˈɜːn.")
    labels = label_stream(words, stream)
    assert words_of(labels, stream) == ["ðə", "sˈɪɾi", "ʌv", "hˈɜːn"]
    assert labels[stream.index(" ")] == -1 and labels[-1] == -1  # pauses and punctuation belong to no word


def test_joined_function_words_are_split_where_each_word_ends():
    """espeak-ng joins "in the" to ɪnðə: the join is cut between the two words' sounds."""
    words = [tokens("ænd"), tokens("ˈɪn"), tokens("ðə"), tokens("tˈaʊn")]
    stream = tokens("ænd ɪnðə tˈaʊn.")
    assert words_of(label_stream(words, stream), stream) == ["ænd", "ɪn", "ðə", "tˈaʊn"]


def test_a_number_read_as_several_words_stays_one_word():
    """"150" is spoken as two stream words; both belong to the one text word, and the next word follows."""
    words = [tokens("ðə"), tokens("wˈʌnhˈʌndɹɪd fˈɪfti"), tokens("tʃˈɪldɹən")]
    stream = tokens("ðə wˈʌnhˈʌndɹɪd fˈɪfti tʃˈɪldɹən.")
    pieces = words_of(label_stream(words, stream), stream)
    assert pieces == ["ðə", "wˈʌnhˈʌndɹɪdfˈɪfti", "tʃˈɪldɹən"]


def test_words_said_differently_in_context_still_map():
    """A word reduced in context ("a": ˈeɪ alone, ɐ in the sentence) keeps its place; no word shifts."""
    words = [tokens("ɪts"), tokens("ˈeɪ"), tokens("dˈoʊntkˈɛɹ"), tokens("ˈiːmeɪl")]
    stream = tokens("ɪts ɐ dˈoʊntkˈɛɹ ˈiːmˈeɪl;")
    assert words_of(label_stream(words, stream), stream) == ["ɪts", "ɐ", "dˈoʊntkˈɛɹ", "ˈiːmˈeɪl"]


def test_silent_words_get_no_phonemes_and_labels_never_step_back():
    """A dash makes no sound: it gets nothing, and the labels along the stream only grow."""
    words = [tokens("hˈɛloʊ"), tokens(""), tokens("wˈɜːld")]
    stream = tokens("hˈɛloʊ wˈɜːld")
    labels = label_stream(words, stream)
    assert words_of(labels, stream) == ["hˈɛloʊ", "", "wˈɜːld"]
    seen = [w for w in labels if w >= 0]
    assert seen == sorted(seen)


def test_sounds_only_the_stream_has_join_their_spoken_word():
    """Extra sounds in the stream (a linking ɹ) go to the word they are spoken with, not across a pause."""
    words = [tokens("fˈɔː"), tokens("ˈɔːl")]
    stream = tokens("fˈɔːɹ ˈɔːl")
    assert words_of(label_stream(words, stream), stream) == ["fˈɔːɹ", "ˈɔːl"]


def test_empty_inputs():
    """Nothing to align gives no labels, never an error."""
    assert label_stream([], tokens("ab")) == [-1, -1]
    assert label_stream([tokens("ab")], []) == []
    assert not sounding(" ") and not sounding("ˈ") and not sounding(".") and sounding("ː") and sounding("ɐ")
