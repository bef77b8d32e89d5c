"""A source page made ready for one locale: every block localized, formatted and marked with its language."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app, has_request_context, url_for
from markupsafe import Markup, escape

from . import operator_settings
from .content import Block, Page
from .core import grammar
from .core.syntax import LINK_RE, PAGE_LINK_PREFIX
from .formats import format_value
from .i18n import FORMAT_ERRORS, Localized, ReaderStatus, get_i18n, localized_or_source, text_direction

#: Private-use characters around a value that is German inside another language: <bdi lang="de"> in HTML.
ISOLATE_START, ISOLATE_END = "\ue000", "\ue001"


def _isolated(spec: str, lang: str) -> bool:
    """Tell whether a value is configured German text shown inside another language (a name, an address)."""
    kind, _, key = spec.partition(" ")
    if kind != "setting" or key not in operator_settings.GERMAN_TEXT or lang == get_i18n().source:
        return False
    return operator_settings.setting(current_app.config, key) is not None


@dataclass(frozen=True)
class LocalizedBlock:
    """One block as a reader in some locale gets it."""

    id: str
    tag: str
    msgid: str
    text: str  # plain text, placeholders filled, links reduced to their text
    html: Markup  # escaped text with inline links
    lang: str  # the language the text is really in
    status: ReaderStatus
    href: str | None = None
    list_id: int | None = None


@dataclass(frozen=True)
class LocalizedPage:
    """A page in one locale."""

    page: Page
    locale: str
    blocks: tuple[LocalizedBlock, ...]
    nav: str
    #: The page's description in this locale (German where it is not translated yet), plain text.
    description: str = ""

    @property
    def title(self) -> LocalizedBlock:
        """The page's h1."""
        return next(b for b in self.blocks if b.tag == "h1")

    @property
    def statuses(self) -> set[str]:
        """Every status that occurs among the blocks."""
        return {b.status for b in self.blocks}

    def groups(self) -> list[LocalizedBlock | list[LocalizedBlock]]:
        """Blocks in order, consecutive list items gathered into one list."""
        out: list = []
        for block in self.blocks:
            if block.list_id is not None and out and isinstance(out[-1], list) and out[-1][0].list_id == block.list_id:
                out[-1].append(block)
            elif block.list_id is not None:
                out.append([block])
            else:
                out.append(block)
        return out


def _fill(text: str, values: dict[str, str], strict: bool) -> str:
    """Fill %(name)s placeholders; a text that does not fit raises (strict) or is left alone."""
    if "%(" not in text:
        return text
    try:
        return text % values
    except FORMAT_ERRORS:
        if strict:
            raise
        return text


def _page_href(target: str, locale: str | None) -> str:
    """The address of a ``page:slug`` link in the reader's locale."""
    slug = target.removeprefix(PAGE_LINK_PREFIX)
    locale = locale or get_i18n().source
    if has_request_context():
        return url_for("pages.page", locale=locale, slug=slug)
    return f"/{locale}/{slug}"


def _link(target: str, text: Markup, locale: str | None) -> str:
    """One link: another page of this site in the reader's language, or an outside (German) site."""
    if target.startswith(PAGE_LINK_PREFIX):
        return f'<a href="{escape(_page_href(target, locale))}">{text}</a>'
    return f'<a href="{escape(target)}" hreflang="de">{text}</a>'


def render_inline(text: str, values: dict[str, str], strict: bool = False,
                  locale: str | None = None, rtl: bool = False) -> tuple[str, Markup]:
    """Plain text and HTML of a message: escaped, placeholders filled, [text](url) as links.

    ``locale`` is the page's: ``[text](page:slug)`` links to that page in it. In right-to-left text
    (``rtl``), every Latin-script run (a school's name, WCAG 2.1, an address) is isolated in <bdi>.
    """
    filled = _fill(text, values, strict)
    plain = _unmarked(LINK_RE.sub(lambda m: m.group(1), filled))
    parts: list[str] = []
    last = 0
    for match in LINK_RE.finditer(filled):
        parts.append(_isolates(escape(filled[last:match.start()]), rtl))
        parts.append(_link(_unmarked(match.group(2)), Markup(_isolates(escape(match.group(1)), rtl)), locale))
        last = match.end()
    parts.append(_isolates(escape(filled[last:]), rtl))
    return plain, Markup("".join(parts))


def _unmarked(text: str) -> str:
    """A text without the isolation marks (plain text, addresses)."""
    return text.replace(ISOLATE_START, "").replace(ISOLATE_END, "")


_LATIN = "A-Za-zÀ-ÖØ-öø-ÿ"
#: A run of Latin-script words in escaped HTML (names, codes, addresses), never starting inside an entity.
LATIN_RUN_RE = re.compile(
    rf"(?<![&#{_LATIN}0-9])[{_LATIN}][{_LATIN}0-9\-_@/]*(?:[.:][{_LATIN}0-9/][{_LATIN}0-9\-_@/]*)*"
    rf"(?:[ ][{_LATIN}0-9][{_LATIN}0-9\-_@/]*(?:[.:][{_LATIN}0-9/][{_LATIN}0-9\-_@/]*)*)*"
    rf"(?![{_LATIN}0-9;])"
)
_MARKED_RE = re.compile(f"({ISOLATE_START}.*?{ISOLATE_END})", re.S)


def _isolates(html: str, rtl: bool = False) -> str:
    """Escaped HTML with each marked German value as <bdi lang="de">, and in right-to-left text each other
    Latin-script run as <bdi>: isolated from the text's direction."""
    pieces = _MARKED_RE.split(str(html))
    if rtl:
        pieces = [p if p.startswith(ISOLATE_START) else LATIN_RUN_RE.sub(lambda m: f"<bdi>{m.group(0)}</bdi>", p)
                  for p in pieces]
    return "".join(pieces).replace(ISOLATE_START, '<bdi lang="de">').replace(ISOLATE_END, "</bdi>")


def formatted_values(text: str, values: dict[str, str], lang: str) -> tuple[str, dict[str, str]]:
    """A message ready to fill: its values formatted in its language, and in the case a preposition asks for.

    Returns the text with such placeholders renamed (core.grammar) and the values for every name it has.
    """
    if "%(" not in text:
        return text, {}
    text, dative = grammar.mark_cases(text, lang)
    formatted = {k: format_value(v, lang) for k, v in values.items()}
    formatted.update({k: ISOLATE_START + formatted[k] + ISOLATE_END for k, v in values.items() if _isolated(v, lang)})
    formatted.update({k + grammar.SUFFIX: grammar.dative(formatted[k], lang) for k in dative if k in formatted})
    return text, formatted


def _render(found: Localized, values: dict[str, str], locale: str) -> tuple[str, Markup]:
    """Plain text and HTML of a localized message, with numbers and dates in the language it is in."""
    text, formatted = formatted_values(found.text, values, found.lang)
    return render_inline(text, formatted, strict=True, locale=locale, rtl=text_direction(found.lang) == "rtl")


def localize_block(block: Block, locale: str, values: dict[str, str]) -> LocalizedBlock:
    """Localize one block; fall back to German (and say so) when the translation does not fit."""

    def fill(found: Localized) -> LocalizedBlock:
        """The block in the language it was found in."""
        plain, html = _render(found, values, locale)
        return LocalizedBlock(block.id, block.tag, block.msgid, plain, html, found.lang, found.status,
                              block.href, block.list_id)

    return localized_or_source(fill, get_i18n().localize(block.msgid, locale), block.msgid, locale)


def localize_page(page: Page, locale: str) -> LocalizedPage:
    """Every block of a page in a locale."""
    blocks = tuple(localize_block(b, locale, page.values) for b in page.blocks)
    nav = get_i18n().localize(page.nav, locale).text if page.nav else ""
    description = get_i18n().localize(page.description, locale).text if page.description else ""
    return LocalizedPage(page, locale, blocks, nav, description)
