"""What the workbench tells translators about refused edits and uploads: German sources, translated when shown."""
from __future__ import annotations

from typing import assert_never

from flask_babel import gettext, ngettext

from .. import catalogs
from ..catalogs import Finding
from ..core.messages import N_, Np_
from ..core.text import UNREADABLE
from .store import Rejection, UploadRejected

#: The German source message for each check's finding (%(expected)s lists what the source has).
FINDINGS = {
    "placeholders": N_("Die Platzhalter müssen dieselben sein wie im Original: %(expected)s"),
    "links": N_("Die Links [Text](Adresse) müssen dieselben Adressen haben wie im Original: %(expected)s"),
    "markup": N_("Die HTML-Auszeichnungen müssen dieselben sein wie im Original."),
    "python-format": N_("Die Formatangaben müssen dieselben sein wie im Original (%(expected)s). "
                        "Falsch oder überzählig: %(extra)s"),
    "whitespace": N_("Die Übersetzung darf nicht mit einem Leerzeichen oder Zeilenumbruch beginnen oder enden."),
    "control": N_("Die Übersetzung enthält unzulässige Steuerzeichen."),
    "bidi": N_("Die Übersetzung enthält unsichtbare Zeichen, die die Schreibrichtung umkehren (%(extra)s). "
               "Das Original hat keine."),
    "length": Np_("Die Übersetzung ist zu lang (höchstens %(num)s Zeichen).",
                  "Die Übersetzung ist zu lang (höchstens %(num)s Zeichen)."),
    "spoken-length": Np_("Die Aussprache ist zu lang (höchstens %(num)s Zeichen). Bitte schreiben Sie nur, wie "
                         "das Wort gesprochen wird.",
                         "Die Aussprache ist zu lang (höchstens %(num)s Zeichen). Bitte schreiben Sie nur, wie "
                         "das Wort gesprochen wird."),
    "marks": UNREADABLE,
    "plurals": N_("Bitte füllen Sie jede Pluralform aus."),
    "empty": N_("Bitte geben Sie eine Übersetzung ein."),
    # TRANSLATORS: a warning after a save; %(missing)s lists the locale's fixed terms, e.g. "Лёгкий язык"
    "glossary": N_("Hinweis: Die Übersetzung verwendet nicht den festgelegten Begriff (Glossar): %(missing)s"),
    # TRANSLATORS: a warning after a save; %(extra)s lists words in Latin letters left in the translation
    "german-runs": N_("Hinweis: Die Übersetzung enthält noch deutsche Wörter: %(extra)s. Bitte übersetzen oder "
                      "umschreiben Sie sie, oder nehmen Sie sie ins Glossar auf."),
}
#: Said when someone without the reviewer right tries to approve or reject (or to approve their own text).
NOT_REVIEWER = N_("Sie dürfen diesen Text nicht freigeben oder ablehnen: Das darf, wer für diese Sprache prüft, "
                  "und eigene Texte nur, wo die Sprache das erlaubt. Ihr Text ist nicht verloren: Er steht unten; "
                  "„Speichern“ legt ihn zur Prüfung vor.")
#: Said when a catalog was written but its .mo not rebuilt.
NOT_PUBLISHED = N_("Gespeichert, aber noch nicht veröffentlicht: Der Katalog enthält an anderer Stelle Fehler. "
                   "Bitte prüfen Sie ihn mit „flask i18n check“.")
#: For a check without its own message: the English description goes into this one.
OTHER_FINDING = N_("Die Übersetzung hat einen Fehler: %(problem)s")

def upload_source(reason: Rejection) -> str:
    """The German source message of a reason an upload is refused (mypy finds a reason without one)."""
    match reason:
        case Rejection.TOO_LARGE:
            return N_("Die Datei ist zu groß (höchstens %(n)s KB).")
        case Rejection.EMPTY:
            return N_("Die Datei ist leer.")
        case Rejection.NOT_UTF8:
            return N_("Die Datei ist nicht in UTF-8 kodiert (Zeile %(line)s). Bitte speichern Sie sie als UTF-8.")
        case Rejection.SYNTAX | Rejection.INVALID:
            return N_("Die Datei ist keine gültige .po-Datei.")
        case Rejection.CHARSET:
            return N_("Die Datei gibt die Kodierung %(charset)s an. Erlaubt ist nur UTF-8.")
        case Rejection.LANGUAGE:
            return N_("Die Datei gehört zur Sprache %(found)s, nicht zu %(locale)s.")
        case Rejection.NO_LANGUAGE:
            return N_("Die Datei gibt ihre Sprache nicht an (Kopfzeile „Language“). Erwartet: %(locale)s")
        case Rejection.PLURALS:
            return N_("Die Pluralformen der Datei passen nicht zur Sprache. Erwartet: %(expected)s")
        case Rejection.FOREIGN:
            return N_("Die Datei enthält keinen Eintrag dieses Katalogs.")
        case _:
            assert_never(reason)


def _listing(items: tuple[str, ...]) -> str:
    """Items for a message, or a dash for none."""
    return ", ".join(items) or "–"


def finding_text(finding: Finding) -> str:
    """One finding in the translator's language."""
    source = FINDINGS.get(finding.check)
    if source is None:
        return gettext(OTHER_FINDING, problem=catalogs.describe(finding))
    if isinstance(source, tuple):  # counted: the number is what the source allows
        return ngettext(*source, int(finding.expected[0]) if finding.expected else 0)
    return gettext(source, expected=_listing(finding.expected), missing=_listing(finding.missing),
                   extra=_listing(finding.extra), n=finding.expected[0] if finding.expected else "")


def findings_texts(findings: tuple[Finding, ...]) -> list[str]:
    """Findings in the translator's language, each text once."""
    return list(dict.fromkeys(finding_text(f) for f in findings))


def warnings_texts(findings: tuple[Finding, ...]) -> list[str]:
    """Warnings about an uploaded file, each with its entry, in the translator's language."""
    return [f"{f.msgid[:60]}: {finding_text(f)}" for f in findings[:20]]


def upload_reason(error: UploadRejected) -> str:
    """Why an upload was refused, in the translator's language."""
    return gettext(upload_source(error.reason), **error.params)


def upload_details(error: UploadRejected) -> list[str]:
    """The lines, entries or parser words that explain a refused upload."""
    details = [gettext("Zeile %(line)s: %(text)s", line=n, text=text) if n else text for n, text in error.lines]
    details += [f"{f.msgid[:60]}: {finding_text(f)}" for f in error.findings]
    if error.detail:
        details.append(error.detail)
    return details
