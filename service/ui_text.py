"""The gettext of templates: a UI string in the page's locale, marked lang="de" where it falls back to German."""
from __future__ import annotations

from babel.numbers import format_decimal
from markupsafe import Markup, escape

from .i18n import (
    Localized,
    ReaderStatus,
    current_locale,
    formatting_locale,
    get_i18n,
    localized_or_source,
    mark_language,
)


def _html(found: Localized, variables: dict, locale: str) -> Markup:
    """A message escaped and filled, marked with its language where it is not the page's."""
    html = escape(found.text) % variables if variables else escape(found.text)
    return mark_language(html, found.lang, locale)


def ui_gettext(msgid: str, **variables) -> Markup:
    """Template `_()`: a UI string in the page's locale, marked lang="de" where it falls back to German.

    A translation that cannot be formatted with the values (a lone %, an unknown name) also falls
    back to German, and is logged: a translator's slip never breaks a page.
    """
    locale = current_locale()
    found = get_i18n().localize(msgid, locale)
    return localized_or_source(lambda f: _html(f, variables, locale), found, msgid, locale)


def ui_pgettext(context: str, msgid: str, **variables) -> Markup:
    """Template `pgettext()`: a UI string whose German has another meaning elsewhere (msgctxt), like `_()`."""
    locale = current_locale()
    i18n = get_i18n()
    found = Localized(msgid, i18n.source, ReaderStatus.SOURCE)
    if locale != i18n.source:
        text = i18n.translations(locale).upgettext(context, msgid)
        if text != msgid:
            found = Localized(text, locale, ReaderStatus.HUMAN)
    return localized_or_source(lambda f: _html(f, variables, locale), found, msgid, locale)


def ui_ngettext(singular: str, plural: str, num: int, **variables) -> Markup:
    """Template `ngettext()`: a counted UI string in the page's locale (``%(num)s`` is the count)."""
    locale = current_locale()
    found = get_i18n().localize_plural(singular, plural, num, locale)

    def fill(f: Localized) -> Markup:
        """The message with the count written as in its own language."""
        return _html(f, {"num": format_decimal(num, locale=formatting_locale(f.lang)), **variables}, locale)

    return localized_or_source(fill, found, singular if num == 1 else plural, locale)
