"""Checks of translations as data: an id, a function returning structured Findings, one registry for every caller.

Compile, upload, the workbench editor, ``flask i18n check`` and Babel (through the
``babel.checkers`` entry point, :func:`babel_checker`) all run the checks of :data:`REGISTRY`.
A Finding says what the source has that the translation lacks (``missing``) and the reverse
(``extra``); each place that shows it words it for its readers (the workbench in the
translator's language, the command line and Babel in English, through :func:`describe`).
"""
from __future__ import annotations

from collections.abc import Iterable

from babel.messages.catalog import Catalog, Message, TranslationError

from ..core import syntax
from ..core.text import MAX_MARK_RUN, has_control, longest_mark_run
from . import terms
from .findings import Check, CheckContext, CheckFunction, Finding, Severity, msgid_of
from .findings import compare as _compare
from .findings import difference as _difference
from .status import filled

__all__ = ["Check", "CheckContext", "CheckFunction", "Finding", "REGISTRY", "Severity", "babel_checker",
           "check_catalog", "check_message", "describe", "errors", "msgid_of", "selection", "warnings"]

#: Longest translation of one entry (characters).
MAX_LENGTH = 10_000
#: Longest spoken form of a lexicon term (characters): a term is a word or a name, said in a few syllables. A longer
#: form is refused on save and ignored when read (L8: 10,000-character forms filled the shared audio cache).
MAX_SPOKEN = 200


def check_placeholders(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """The translation has the placeholders of the source (%(name)s, %s, {name}), each as often."""
    return _compare("placeholders", syntax.placeholders(source), syntax.placeholders(target), message)


def check_links(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """The translation's [text](url) links point to the source's addresses, compared once placeholders are filled.

    A target that is a placeholder in the source must be exactly that placeholder in the translation:
    ``[%(authority_url)s](%(authority_url)s.evil.example/x)`` would show the official address and link elsewhere.
    """
    return _compare("links", syntax.rendered_links(source), syntax.rendered_links(target), message)


def _tags(text: str) -> list[str]:
    """The HTML tags of a text as ``<b>`` and ``</b>``, without attributes."""
    return [("</" if m.group(0).startswith("</") else "<") + m.group(1).lower() + ">"
            for m in syntax.TAG_RE.finditer(text)]


def check_markup(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """The translation opens and closes the HTML tags of the source."""
    return _compare("markup", _tags(source), _tags(target), message)


def check_whitespace(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """A source without white space at its ends gets a translation without it."""
    if source != source.strip() or not target.strip() or target == target.strip():
        return []
    lead = target[:len(target) - len(target.lstrip())]
    trail = target[len(target.rstrip()):]
    return [Finding("whitespace", msgid_of(message), extra=tuple(part for part in (lead, trail) if part))]


def check_control(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """No control characters other than line breaks and tabs."""
    found = tuple(f"U+{ord(ch):04X}" for ch in dict.fromkeys(target) if has_control(ch))
    return [Finding("control", msgid_of(message), extra=found)] if found else []


#: Characters that override or isolate the direction of text (Trojan Source): U+202A-U+202E, U+2066-U+2069.
BIDI_CONTROLS = frozenset(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def check_bidi(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """No direction overrides or isolates unless the source has them (they reorder what readers see)."""
    if any(ch in BIDI_CONTROLS for ch in source):
        return []
    found = tuple(sorted(f"U+{ord(ch):04X}" for ch in set(target) & BIDI_CONTROLS))
    return [Finding("bidi", msgid_of(message), extra=found)] if found else []


def check_length(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """No translation longer than MAX_LENGTH characters."""
    if len(target) <= MAX_LENGTH:
        return []
    return [Finding("length", msgid_of(message), extra=(str(len(target)),), expected=(str(MAX_LENGTH),))]


def check_marks(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """No run of combining marks over MAX_MARK_RUN: no language writes one, and normalizing it costs the square of
    its length (so an upload runs the checks before it normalizes; web/inputs.py refuses such a post)."""
    run = longest_mark_run(target)
    if run <= MAX_MARK_RUN:
        return []
    return [Finding("marks", msgid_of(message), extra=(str(run),), expected=(str(MAX_MARK_RUN),))]


def mark_findings(msgid: str, forms: Iterable[str]) -> list[Finding]:
    """The marks check's findings of texts not in a message yet (an edit, before it is normalized)."""
    return [f for form in forms for f in check_marks(msgid, form, Message(msgid), None)]


def check_spoken_length(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """A spoken form of the lexicon is at most MAX_SPOKEN characters (L8: a term, not a text to fill the cache)."""
    if len(target) <= MAX_SPOKEN:
        return []
    return [Finding("spoken-length", msgid_of(message), extra=(str(len(target)),), expected=(str(MAX_SPOKEN),))]


def check_python_format(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """For python-format messages: the source's %-directives, and only well-formed ones (no lone %).

    Directives that are placeholders (``%(name)s``, ``%d``...) are the placeholders check's to
    report; this one reports the others (``%(n)i``, ``%.1f``) and malformed ones, so no mistake
    is reported twice.
    """
    expected, _ = syntax.percent_directives(source)
    if "python-format" not in message.flags and not expected:
        return []
    found, malformed = syntax.percent_directives(target)
    missing, extra = _difference(expected, found)
    missing = tuple(d for d in missing if not syntax.PLACEHOLDER_RE.fullmatch(d))
    extra = tuple(sorted([d for d in extra if not syntax.PLACEHOLDER_RE.fullmatch(d)] + malformed))
    if not missing and not extra:
        return []
    return [Finding("python-format", msgid_of(message), missing, extra, tuple(expected))]


def check_plurals(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """A translated plural entry fills exactly the plural forms of the catalog's language."""
    if not message.pluralizable or catalog is None or not filled(message.string):
        return []
    forms = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
    wanted = catalog.num_plurals
    missing = tuple(f"msgstr[{i}]" for i in range(wanted) if i >= len(forms) or not forms[i])
    extra = tuple(f"msgstr[{i}]" for i in range(wanted, len(forms)))
    if not missing and not extra:
        return []
    return [Finding("plurals", msgid_of(message), missing, extra, tuple(f"msgstr[{i}]" for i in range(wanted)))]


def check_empty(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """The entry has a translation (white space alone is none)."""
    if any(form.strip() for form in filled(message.string)):
        return []
    return [Finding("empty", msgid_of(message))]


def check_fuzzy(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """A translated entry is reviewed (not marked fuzzy)."""
    if message.fuzzy and filled(message.string):
        return [Finding("fuzzy", msgid_of(message))]
    return []


def check_missing(source: str, target: str, message: Message, catalog: Catalog | None) -> list[Finding]:
    """A message of the template is in the locale's catalog."""
    if catalog is None or catalog.get(message.id, message.context) is not None:
        return []
    return [Finding("missing", msgid_of(message))]


#: Every check, by id, in the order findings are reported.
REGISTRY: dict[str, Check] = {check.id: check for check in (
    Check("placeholders", check_placeholders, "placeholders differ: missing {missing}, extra {extra}"),
    Check("links", check_links, "link targets differ: missing {missing}, extra {extra}"),
    Check("markup", check_markup, "markup differs: missing {missing}, extra {extra}"),
    Check("python-format", check_python_format,
          "python-format directives differ or are malformed: missing {missing}, extra or malformed {extra}"),
    Check("whitespace", check_whitespace, "the translation starts or ends with white space ({extra})"),
    Check("control", check_control, "control characters ({extra})"),
    Check("bidi", check_bidi, "bidirectional control characters the source does not have ({extra})"),
    Check("length", check_length, "longer than {expected} characters ({extra})"),
    Check("marks", check_marks, "a run of {extra} combining marks (at most {expected}), which no language writes"),
    Check("spoken-length", check_spoken_length, "a spoken form longer than {expected} characters ({extra})",
          domains=("lexicon",)),
    Check("plurals", check_plurals, "plural forms: {expected} expected; missing or empty {missing}, extra {extra}",
          scope="message"),
    Check("empty", check_empty, "no translation", scope="message", complete=True),
    Check("fuzzy", check_fuzzy, "marked fuzzy (not reviewed)", scope="message", complete=True),
    Check("missing", check_missing, "missing from the catalog", scope="template", complete=True),
    Check("glossary", terms.check_glossary, "glossary terms left out: {missing}", domains=("messages",),
          contextual=True, severity=Severity.WARNING),
    Check("german-runs", terms.check_german_runs,
          "German (Latin-script) words in a translation of another script: {extra}", domains=("messages",),
          contextual=True, severity=Severity.WARNING),
    Check("speech-stale", terms.check_speech_stale,
          "the shown text changed after this spoken text was written (shown {missing}, written for {extra}): "
          "check it, then run flask i18n speech-confirm", domains=("speech",), contextual=True,
          severity=Severity.WARNING),
    Check("speech-identical", terms.check_speech_identical,
          "the spoken text is the shown text: remove the entry (it would keep speaking an old version)",
          scope="message", domains=("speech",), contextual=True, severity=Severity.WARNING),
)}


def selection(complete: bool = False, also: Iterable[str] = ()) -> tuple[Check, ...]:
    """The checks to run: those for every catalog, with ``complete`` also the completeness ones, plus ``also``."""
    wanted = set(also)
    return tuple(c for c in REGISTRY.values() if complete or not c.complete or c.id in wanted)


def _source_for(message: Message) -> str:
    """The source a translation form is compared with: the plural msgid when it carries the placeholders."""
    if isinstance(message.id, str):
        return message.id
    singular, plural = message.id[0], message.id[1]
    return plural if "%(" in plural else singular


def _call(check: Check, source: str, target: str, message: Message, catalog: Catalog | None,
          context: CheckContext | None) -> list[Finding]:
    """Run one check; a contextual one only where a context was given."""
    if not check.contextual:
        return check.function(source, target, message, catalog)  # type: ignore[call-arg]
    if context is None:
        return []
    return check.function(source, target, message, catalog, context)  # type: ignore[call-arg]


def check_message(message: Message, catalog: Catalog | None, checks: Iterable[Check] | None = None,
                  context: CheckContext | None = None) -> list[Finding]:
    """The findings of one entry (the header has none), each once, in registry order.

    Without a context, the catalog is taken as a messages catalog and contextual checks do not run.
    """
    if not message.id:
        return []
    forms = filled(message.string)
    if any(len(form) > MAX_LENGTH for form in forms):  # bounded before any other check reads it
        return [Finding("length", msgid_of(message), extra=(str(max(map(len, forms))),), expected=(str(MAX_LENGTH),))]
    source = _source_for(message)
    domain = context.domain if context is not None else "messages"
    found: list[Finding] = []
    for check in selection() if checks is None else checks:
        if not check.applies_to(domain):
            continue
        if check.scope == "message":
            found += _call(check, msgid_of(message), forms[0] if forms else "", message, catalog, context)
        elif check.scope == "form":
            for form in forms:
                found += _call(check, source, form, message, catalog, context)
    return list(dict.fromkeys(found))


def check_catalog(catalog: Catalog, template: Catalog | None = None, complete: bool = False,
                  context: CheckContext | None = None) -> list[Finding]:
    """Every finding of a catalog; with a template and ``complete``, also the template's messages it lacks."""
    checks = selection(complete)
    found: list[Finding] = []
    for message in catalog:
        found += check_message(message, catalog, checks, context)
    if template is not None:
        for check in (c for c in checks if c.scope == "template"):
            for message in template:
                if message.id:
                    found += check.function(msgid_of(message), "", message, catalog)  # type: ignore[call-arg]
    return found


def errors(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that refuse a save, an upload or a compile (warnings are only shown)."""
    return [f for f in findings if f.check not in REGISTRY or REGISTRY[f.check].severity == Severity.ERROR]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that are shown but refuse nothing."""
    return [f for f in findings if f.check in REGISTRY and REGISTRY[f.check].severity == Severity.WARNING]


def describe(finding: Finding) -> str:
    """The English wording of a finding (command line, logs, Babel)."""
    check = REGISTRY.get(finding.check)
    if check is None:
        return finding.check
    return check.text.format(**{name: ", ".join(getattr(finding, name)) or "none"
                                for name in ("missing", "extra", "expected")})


def babel_checker(catalog: Catalog | None, message: Message) -> None:
    """Babel's ``babel.checkers`` entry point: raise TranslationError when a translated message has findings."""
    findings = errors(check_message(message, catalog))
    if findings:
        raise TranslationError("; ".join(describe(f) for f in findings))
