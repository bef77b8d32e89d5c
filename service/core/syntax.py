"""The syntax of messages: Markdown links, placeholders and HTML tags, defined once for the whole service.

Content parsing, catalog checks and machine-translation masking all read messages with these
patterns, so a message that one of them accepts is understood the same way by the others.
"""
from __future__ import annotations

import re

#: ``[text](https://…)``, or ``[text](page:slug)`` for another page of this site in the reader's language:
#: the only inline markup the content knows.
LINK_RE = re.compile(r"\[([^\[\]]+)\]\((https?://[^\s()]+|page:[a-z0-9][a-z0-9-]*)\)")
#: The prefix of a link target that names a page of this site (rendered as its address in the page's locale).
PAGE_LINK_PREFIX = "page:"
#: Any placeholder a message may carry: ``%(name)s``, ``%(n)d``, ``%s``, ``%d`` and ``{name}``.
PLACEHOLDER_RE = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
#: An HTML tag, opening or closing; group 1 is its name.
TAG_RE = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")  # [^<>]: each scan stops at the next tag (linear)
#: One python-format directive: ``%%``, or ``%`` with optional name, flags, width, precision and a type.
PERCENT_RE = re.compile(
    r"%(?:%|(?:\((?P<name>[^)]{0,100})\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>[a-zA-Z%]?))"
)
#: The conversion types Python's ``%`` operator accepts.
PERCENT_TYPES = set("diouxXeEfFgGcrsa")


def links(text: str) -> list[str]:
    """The link targets of a message, sorted."""
    return sorted(url for _, url in LINK_RE.findall(text))


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted (repeated ones repeated)."""
    return sorted(PLACEHOLDER_RE.findall(text))


#: What stands for a placeholder while a message is rendered for the link check: an address no value can be.
_SAMPLE = "https://placeholder.invalid/"


def _sample_value(match: re.Match[str]) -> str:
    """A stand-in address for one placeholder, naming it (``%(authority_url)s``: .../authority_url~s)."""
    return _SAMPLE + re.sub(r"\W", "~", match.group(0)) + "~"


def rendered_links(text: str) -> list[str]:
    """The link targets a message has once its placeholders are filled, sorted, each placeholder shown as itself.

    A target that is a placeholder is an address only after rendering (``[x](%(url)s)``), and text a
    translator puts around it changes where the link goes (``%(url)s.evil.example``): so messages are
    compared after filling every placeholder with a stand-in address.
    """
    names = {_sample_value(m): m.group(0) for m in PLACEHOLDER_RE.finditer(text)}
    filled = PLACEHOLDER_RE.sub(_sample_value, text)
    found = []
    for _, url in LINK_RE.findall(filled):
        for sample, placeholder in names.items():
            url = url.replace(sample, placeholder)
        found.append(url)
    return sorted(found)


def percent_directives(text: str) -> tuple[list[str], list[str]]:
    """The python-format directives of a text, and the malformed ones (a lone ``%``, an unknown type).

    ``%%`` is an escaped percent sign and counts as neither.
    """
    found: list[str] = []
    bad: list[str] = []
    for m in PERCENT_RE.finditer(text):
        whole = m.group(0)
        if whole == "%%":
            continue
        if not m.group("type") or m.group("type") not in PERCENT_TYPES:
            bad.append(whole)
        else:
            found.append(whole)
    return sorted(found), sorted(bad)


#: A locale code as it appears in URLs and folder names: ``de``, ``tr``, ``pt_BR``.
LOCALE_RE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")
#: A language tag as a browser sends it in Accept-Language: ``de-DE``, ``zh-Hant``, ``pt_BR``.
LANGUAGE_TAG_RE = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?$")
