"""Entry status: human, machine, outdated, missing; whether an outdated translation still fits."""
from __future__ import annotations

from babel.messages.catalog import Catalog, Message

from service.catalogs.status import MACHINE_COMMENT_PREFIX, close_to_previous, counts, status_of


def test_status_of_each_kind_of_entry():
    """Reviewed, machine suggestion, outdated and untranslated entries."""
    machine = Message("Stadt", "City", flags=["fuzzy"], auto_comments=[f"{MACHINE_COMMENT_PREFIX} by argos"])
    assert [status_of(m) for m in (Message("Stadt", "City"), machine, Message("Stadt", "City", flags=["fuzzy"]),
                                   Message("Stadt", ""), None)] == ["human", "machine", "outdated", "missing",
                                                                    "missing"]


def test_an_outdated_translation_fits_only_a_close_old_source():
    """A small edit of the source keeps the translation showable; an unrelated fuzzy guess does not."""
    close = Message("Lernen am alten Kanal", "Learning by the canal", flags=["fuzzy"],
                    previous_id=["Lernen am Kanal"])
    far = Message("Lernen am Kanal", "Enforcement procedure", flags=["fuzzy"], previous_id=["Durchsetzungsverfahren"])
    assert close_to_previous(close) and not close_to_previous(far)


def test_counts():
    """One count per status."""
    catalog = Catalog(locale="en")
    catalog.add("a", "A")
    catalog.add("b", "")
    catalog.add("c", "C", flags=["fuzzy"])
    assert counts(catalog) == {"human": 1, "machine": 0, "outdated": 1, "missing": 1}
