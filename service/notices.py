"""Dated service notices: which are live now (by the app's clock), localized for a page, and what they speak.

A notice is shown, read aloud and part of a page's cache key only inside its window
(``show_from`` / ``show_until`` in its front matter, Europe/Berlin). The live set is folded
into every locale's revision, so cached pages and audio change at the window's edges
without a restart.
"""
from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from .clock import now
from .content import Page
from .localized import LocalizedBlock, localize_page


@dataclass(frozen=True)
class LocalizedNotice:
    """A live notice in one locale; its blocks carry page-wide unique ids (``notice-…-b1``)."""

    slug: str
    dom_id: str
    blocks: tuple[LocalizedBlock, ...]
    values: dict[str, str]


def _dom_id(notice: Page) -> str:
    """The element id of a notice (and the prefix of its blocks' ids)."""
    slug = notice.slug.strip("_")
    return slug if slug.startswith("notice") else f"notice-{slug}"


def live(app: Flask | None = None) -> list[Page]:
    """The notices live at this moment by the app's clock, in order (the current app unless given)."""
    app = app or current_app
    return app.extensions["content"].live_notices(now(app))


def token(app: Flask | None = None) -> str:
    """A short token naming the live notices (empty when none is live)."""
    slugs = [n.slug for n in live(app)]
    return hashlib.sha1("|".join(slugs).encode()).hexdigest()[:12] if slugs else ""


def localized(locale: str) -> list[LocalizedNotice]:
    """Every live notice in a locale."""
    result = []
    for notice in live():
        dom_id = _dom_id(notice)
        page = localize_page(notice, locale)
        blocks = tuple(dataclasses.replace(b, id=f"{dom_id}-{b.id}") for b in page.blocks)
        result.append(LocalizedNotice(notice.slug, dom_id, blocks, notice.values))
    return result


def revision_provider(app: Flask) -> Callable[[str], str]:
    """What the live notices add to every locale's revision (page cache key, audio memo, ETag)."""
    # Bound to the app: a revision may be asked for outside a request or app context.
    return lambda locale: token(app)
