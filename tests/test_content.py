"""The content folder: pages by URL slug, None for anything else."""
from __future__ import annotations

from service.config import ROOT
from service.content import Content


def test_get_returns_the_page_or_none():
    """'' is the overview; unknown, malformed and internal slugs give None (the view answers 404)."""
    content = Content(ROOT / "content")
    assert content.get("").slug == "index"
    assert content.get("talentschulen").slug == "talentschulen"
    for slug in ("nicht-da", "index", "_notice", "../etc/passwd", "DE", "a" * 100):
        assert content.get(slug) is None, slug
