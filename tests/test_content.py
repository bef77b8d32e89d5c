"""The content folder: pages by URL slug, None for anything else."""
from __future__ import annotations

from service.content import Content

from .site_support import FIXTURE_CONTENT


def test_get_returns_the_page_or_none():
    """'' is the overview; unknown, malformed and internal slugs give None (the view answers 404)."""
    content = Content(FIXTURE_CONTENT)
    assert content.get("").slug == "index"
    assert content.get("werkstatt").slug == "werkstatt"
    for slug in ("nicht-da", "index", "_notice", "../etc/passwd", "DE", "a" * 100):
        assert content.get(slug) is None, slug
