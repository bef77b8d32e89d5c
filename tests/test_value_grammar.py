"""Issue 26 item 2: an amount of time after a preposition is in that preposition's case, in every locale with cases."""
from __future__ import annotations

import re

import pytest

from service.core import grammar


def _text(client, path: str) -> str:
    """A page's visible text, white space folded."""
    page = client.get(path)
    assert page.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())

def test_each_occurrence_gets_its_own_case():
    """"nach %(x)s" is dative, "%(x)s nach dem Abschluss" stays as Babel gives it, in one message."""
    text, names = grammar.mark_cases("Wir löschen sie %(k)s nach dem Abschluss, Protokolle nach höchstens %(k)s.", "de")
    assert text == "Wir löschen sie %(k)s nach dem Abschluss, Protokolle nach höchstens %(k__dative)s."
    assert names == {"k"}
    assert grammar.dative("7 Tage", "de") == "7 Tagen" and grammar.dative("1 Tag", "de") == "1 Tag"
    assert grammar.dative("2 Stunden", "de") == "2 Stunden" and grammar.dative("3 Jahre", "de") == "3 Jahren"
    assert grammar.mark_cases("po upływie %(k)s", "pl") == ("po upływie %(k)s", set())

@pytest.mark.real_content  # a review of the real privacy and Leichte Sprache pages in their shipped translations
@pytest.mark.parametrize("path, right, wrong", [
    ("/de/datenschutz", ["wird nach 7 Tagen gelöscht", "nach 180 Tagen", "nach 730 Tagen",
                         "365 Tage nach dem Abschluss", "noch 90 Tage auf", "nach höchstens 1 Stunde"],
     ["nach 7 Tage ", "nach 180 Tage ", "nach 730 Tage "]),
    ("/de/leichte-sprache", ["Nach 7 Tagen löscht", "noch 365 Tage auf"], ["Nach 7 Tage "]),
    ("/pl/datenschutz", ["po upływie 7 dni", "po upływie 180 dni", "jeszcze przez 90 dni"], ["po 7 dni"]),
    ("/uk/datenschutz", ["через 7 днів", "через 180 днів", "ще 90 днів"], []),
    ("/ru/datenschutz", ["через 7 дней", "через 180 дней", "ещё 90 дней", "через 1 час"], []),
    ("/tr/datenschutz", ["7 gün sonra", "180 gün sonra", "90 gün daha"], []),
    ("/ro/datenschutz", ["după 7 zile", "după 180 de zile", "încă 90 de zile", "după cel mult 1 oră"], []),
])
def test_periods_after_prepositions_on_the_real_pages(client, path, right, wrong):
    """The privacy and Leichte Sprache pages state every retention period grammatically."""
    text = _text(client, path)
    for phrase in right:
        assert phrase in text, phrase
    for phrase in wrong:
        assert phrase not in text, phrase
