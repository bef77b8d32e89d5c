"""Keyboard-only journeys in real Chromium: skip link, switcher, read-aloud, focus, no traps."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

#: Elements a keyboard user reaches with Tab, in the page as rendered (hidden ones dropped in JS).
TABBABLE_JS = """
() => {
  const sel = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), '
            + 'select:not([disabled]), textarea:not([disabled]), audio[controls], video[controls], '
            + '[tabindex], [contenteditable=""], [contenteditable=true], summary';
  const out = [];
  let i = 0;
  for (const el of document.querySelectorAll(sel)) {
    if (el.tabIndex < 0) continue;
    if (el.closest('[inert]')) continue;
    const closed = el.closest('details:not([open])');  // a closed <details> shows its summary only
    if (closed) { const s = el.closest('summary'); if (!s || s.parentElement !== closed) continue; }
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    if (!el.getClientRects().length) continue;
    el.dataset.kb = String(i++);
    out.push(el.dataset.kb);
  }
  return out;
}
"""

#: What the focused element is and whether a person can see that it has focus.
FOCUS_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  const r = el.getBoundingClientRect();
  const inView = r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
  return {kb: el.dataset.kb || null, tag: el.tagName.toLowerCase(), id: el.id,
          text: (el.textContent || el.value || '').trim().slice(0, 60),
          cls: el.className, visible: outline || shadow, outline: s.outline, inView,
          focusVisible: el.matches(':focus-visible')};
}
"""


def focused(page) -> dict | None:
    """Describe the element that has keyboard focus now (None: the document itself)."""
    return page.evaluate(FOCUS_JS)


def tab_until(page, predicate: str, limit: int = 80) -> dict:
    """Press Tab until the focused element matches a CSS selector; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => !!document.activeElement && document.activeElement.matches(s)", predicate
        ):
            return focused(page)
    pytest.fail(f"{predicate!r} not reached by {limit} presses of Tab")


def test_skip_link_is_first_and_lands_in_main(live_service, page):
    """The first Tab shows the skip link; Enter moves focus into main; the next Tab stays there."""
    page.goto(f"{live_service.origin}/de/")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first and "skip-link" in first["cls"], f"first Tab focused {first}"
    assert first["visible"] and first["inView"], f"skip link focused but not visible: {first}"
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#main'")
    assert page.evaluate("document.activeElement.closest('main') !== null"), focused(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), (
        f"after the skip link, Tab left main: {focused(page)}"
    )


def test_language_switch_by_keyboard(live_service, page):
    """Tab to the switcher's Arabic link, press Enter: the same page in Arabic, right to left."""
    page.goto(f"{live_service.origin}/de/talentschulen")
    state = tab_until(page, ".lang-switcher a[hreflang=ar]")
    assert state["visible"], f"switcher link has no visible focus: {state}"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/ar/talentschulen")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "ar",
        "rtl",
    ]
    # and back to German the same way
    tab_until(page, ".lang-switcher a[hreflang=de]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/de/talentschulen")


@pytest.mark.parametrize(
    "path", ["/de/", "/ar/", "/de/barrierefreiheit", "/en/talentschulen", "/translate/login"]
)
def test_focus_visible_and_never_trapped(live_service, page, path):
    """Tab visits every tabbable element in order, focus ring visible, then leaves the page."""
    page.goto(live_service.origin + path)
    expected = page.evaluate(TABBABLE_JS)
    assert expected, "no tabbable elements"
    seen: list[str] = []
    invisible = []
    for _ in range(len(expected) + 5):
        page.keyboard.press("Tab")
        state = focused(page)
        if state is None:  # focus left the document's last element: not trapped
            break
        if not (state["visible"] and state["inView"]):
            invisible.append(state)
        if state["kb"] is not None:
            seen.append(state["kb"])
        if seen and seen[-1] == expected[-1]:
            break
    assert not invisible, f"{path}: focus not visible on: {invisible}"
    assert seen == expected, (
        f"{path}: Tab order {seen} differs from the page's tabbables {expected}"
    )
    # One more Tab leaves the page (focus goes to the browser), and Shift+Tab comes back.
    page.keyboard.press("Tab")
    after = focused(page)
    assert after is None or after["kb"] != expected[-1], f"{path}: focus stuck on {after}"
    page.keyboard.press("Shift+Tab")
    back = focused(page)
    assert back is not None and back["kb"] == expected[-1], (
        f"{path}: Shift+Tab did not return: {back}"
    )
    # Backwards through the whole page reaches the first element again.
    for _ in range(len(expected) + 5):
        if focused(page) and focused(page)["kb"] == expected[0]:
            break
        page.keyboard.press("Shift+Tab")
    assert focused(page)["kb"] == expected[0], f"{path}: Shift+Tab never reached the first element"


def test_harness_sees_a_hidden_focus_ring(page):
    """The focus check itself works: a button whose outline is removed counts as invisible."""
    page.set_content(
        '<!doctype html><html lang="en"><title>t</title>'
        '<button style="outline:none;box-shadow:none">a</button>'
        '<button style="outline:3px solid #b3005a">b</button></html>'
    )
    page.keyboard.press("Tab")
    assert focused(page)["visible"] is False
    page.keyboard.press("Tab")
    assert focused(page)["visible"] is True
