"""The gettext of templates: a UI string in the page's locale, marked lang="de" where it falls back to German."""
from __future__ import annotations

from babel.numbers import format_decimal
from markupsafe import Markup, escape

from .i18n import FORMAT_ERRORS, broken_translation, current_locale, formatting_locale, get_i18n, source_fallback


def ui_gettext(msgid: str, **variables) -> Markup:
    """Template `_()`: a UI string in the page's locale, marked lang="de" where it falls back to German.

    A translation that cannot be formatted with the values (a lone %, an unknown name) also falls
    back to German, and is logged: a translator's slip never breaks a page.
    """
    locale = current_locale()
    found = get_i18n().localize(msgid, locale)
    text = escape(found.text)
    if variables:
        try:
            text = text % variables
        except FORMAT_ERRORS as exc:
            broken_translation(msgid, locale, exc)
            return source_fallback(msgid, variables)
    if found.lang != locale:
        return Markup(f'<span lang="{found.lang}">{text}</span>')
    return Markup(text)


def ui_pgettext(context: str, msgid: str, **variables) -> Markup:
    """Template `pgettext()`: a UI string whose German has another meaning elsewhere (msgctxt), like `_()`."""
    locale = current_locale()
    i18n = get_i18n()
    text, lang = msgid, i18n.source
    if locale != i18n.source:
        found = i18n.translations(locale).upgettext(context, msgid)
        if found != msgid:
            text, lang = found, locale
    try:
        html = escape(text) % variables if variables else escape(text)
    except FORMAT_ERRORS as exc:
        broken_translation(msgid, locale, exc)
        return source_fallback(msgid, variables)
    return Markup(f'<span lang="{lang}">{html}</span>') if lang != locale else Markup(html)


def ui_ngettext(singular: str, plural: str, num: int, **variables) -> Markup:
    """Template `ngettext()`: a counted UI string in the page's locale (``%(num)s`` is the count)."""
    locale = current_locale()
    found = get_i18n().localize_plural(singular, plural, num, locale)
    try:
        text = escape(found.text) % {"num": format_decimal(num, locale=formatting_locale(found.lang)), **variables}
    except FORMAT_ERRORS as exc:  # a translator's slip falls back to German, like ui_gettext
        broken_translation(singular, locale, exc)
        german = singular if num == 1 else plural
        return source_fallback(german, {"num": format_decimal(num, locale=formatting_locale(get_i18n().source)),
                                        **variables})
    if found.lang != locale:
        return Markup(f'<span lang="{found.lang}">{text}</span>')
    return Markup(text)
