"""Layout in real Chromium: overview screenshots in de and ar, narrow, wide and at 200 % zoom."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

#: (name, CSS viewport, device scale): 200 % zoom of a 1280 px window is a 640 px viewport at 2x.
VIEWS = [
    ("320", {"width": 320, "height": 720}, 1),
    ("1280", {"width": 1280, "height": 900}, 1),
    ("zoom200", {"width": 640, "height": 450}, 2),
]

OVERFLOW_JS = """
() => {
  const root = document.documentElement;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > root.clientWidth + 1 || r.left < -1)) {
      if (el.closest('.visually-hidden, .skip-link, .hp')) continue;
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (el.className ? '.' + el.className : ''));
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide.slice(0, 10)};
}
"""


@pytest.mark.parametrize("locale", ["de", "ar"])
@pytest.mark.parametrize("name,viewport,scale", VIEWS, ids=[v[0] for v in VIEWS])
def test_overview_layout(live_service, browser, artifacts, locale, name, viewport, scale):
    """Screenshot the overview; it never scrolls sideways, and Arabic runs right to left."""
    ctx = browser.new_context(viewport=viewport, device_scale_factor=scale)
    try:
        page = ctx.new_page()
        page.goto(f"{live_service.origin}/{locale}/")
        page.evaluate("document.fonts.ready")
        shot = artifacts / f"overview-{locale}-{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 1000
        # What a person sees first, uncropped: easier to judge than the long full page.
        page.screenshot(path=str(artifacts / f"overview-{locale}-{name}-top.png"))
        direction = page.evaluate(
            "[document.documentElement.dir, getComputedStyle(document.body).direction]"
        )
        assert direction == (["rtl", "rtl"] if locale == "ar" else ["ltr", "ltr"])
        metrics = page.evaluate(OVERFLOW_JS)
        assert metrics["scrollWidth"] <= metrics["clientWidth"], (
            f"/{locale}/ at {name}: horizontal scrolling ({metrics['scrollWidth']} > "
            f"{metrics['clientWidth']} px), too wide: {metrics['wide']}"
        )
        # Body text stays readable: at least 16 CSS px, whatever the viewport.
        size = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('article p.block, article li.block')).fontSize)"
        )
        assert size >= 16
    finally:
        ctx.close()


def test_text_spacing_does_not_clip(live_service, browser):
    """WCAG 1.4.12: with the text spacing a reader may force, nothing overflows at 320 px."""
    ctx = browser.new_context(viewport={"width": 320, "height": 720}, bypass_csp=True)  # the reader's style
    try:
        page = ctx.new_page()
        page.goto(f"{live_service.origin}/de/barrierefreiheit")
        page.add_style_tag(
            content="* { line-height: 1.5 !important; letter-spacing: 0.12em !important;"
            " word-spacing: 0.16em !important; } p { margin-block-end: 2em !important; }"
        )
        metrics = page.evaluate(OVERFLOW_JS)
        assert metrics["scrollWidth"] <= metrics["clientWidth"], metrics
    finally:
        ctx.close()


@pytest.mark.parametrize("locale", ["de", "ar"])
def test_every_page_reflows_at_320(live_service, browser, locale):
    """WCAG 1.4.10: no page of the locale needs sideways scrolling at 320 CSS px."""
    prefix = f"{live_service.url}{locale}/"
    urls = [u for u in live_service.sitemap_urls() if u.startswith(prefix)]
    assert urls
    ctx = browser.new_context(viewport={"width": 320, "height": 720})
    try:
        page = ctx.new_page()
        too_wide = []
        for url in urls:
            page.goto(url)
            metrics = page.evaluate(OVERFLOW_JS)
            if metrics["scrollWidth"] > metrics["clientWidth"]:
                too_wide.append(f"{url}: {metrics}")
        assert not too_wide, "horizontal scrolling at 320 px:\n" + "\n".join(too_wide)
    finally:
        ctx.close()
