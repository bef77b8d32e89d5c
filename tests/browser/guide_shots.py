"""Screenshots for the translators' guide, taken by the browser tests that check what they show.

Normally they go to test-artifacts/guide/ (git-ignored). ``HERNE_SCREENSHOTS=docs/translate/img`` (a folder,
relative to the project) writes them into the docs instead, to be committed: 1000 px wide, at most
``MAX_HEIGHT`` px high, reduced to a 256-colour palette (a few dozen kB each).
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from service.config import ROOT

#: Set this to a folder (e.g. docs/translate/img) to write the guide's screenshots there.
ENV = "HERNE_SCREENSHOTS"
WIDTH = 1000
MAX_HEIGHT = 1400


def folder() -> Path:
    """Where the guide's screenshots go in this run."""
    chosen = os.environ.get(ENV)
    target = (ROOT / chosen) if chosen else ROOT / "test-artifacts" / "guide"
    target.mkdir(parents=True, exist_ok=True)
    return target


def shoot(page, name: str, selector: str | None = None, height: int = MAX_HEIGHT) -> Path:
    """Save the page (from ``selector``'s top, else the page's; at most ``height`` px) at the guide's width, as a
    small palette PNG."""
    page.set_viewport_size({"width": WIDTH, "height": 800})
    top = 0.0
    if selector is not None:
        box = page.locator(selector).first.bounding_box()
        assert box is not None, f"{selector} is not on the page"
        top = max(0.0, box["y"] + page.evaluate("window.scrollY") - 16)
    full = page.evaluate("document.documentElement.scrollHeight")
    clip = {"x": 0, "y": top, "width": WIDTH, "height": min(height, MAX_HEIGHT, full - top)}
    data = page.screenshot(full_page=True, clip=clip, animations="disabled")
    image = Image.open(io.BytesIO(data)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    path = folder() / f"{name}.png"
    temporary = path.with_name(f".{path.name}.tmp")
    image.save(temporary, format="PNG", optimize=True)
    temporary.replace(path)
    return path
