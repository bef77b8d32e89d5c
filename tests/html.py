"""A tiny HTML reader for tests: elements with their attributes and text, from the standard library."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    """One element: tag, attributes, its text, and its ancestors' tags."""

    tag: str
    attrs: dict
    parents: list = field(default_factory=list)
    text: str = ""


class _Collector(HTMLParser):
    """Collect every element with the text inside it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []

    def handle_starttag(self, tag, attrs):
        el = Element(tag, {k: (v if v is not None else "") for k, v in attrs}, [e for e in self.stack])
        self.elements.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        # The text of a script or style is no text a person reads: it counts for that element only.
        start = next((i for i, el in enumerate(self.stack) if el.tag in ("script", "style")), 0)
        for el in self.stack[start:]:
            el.text += data


def parse(html: str) -> list[Element]:
    """Every element of a document, in document order."""
    collector = _Collector()
    collector.feed(html)
    return collector.elements


def find(html: str, tag: str | None = None, **attrs) -> list[Element]:
    """Elements of a tag whose attributes include the given ones (use class_ for class)."""
    wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
    return [
        e for e in parse(html)
        if (tag is None or e.tag == tag) and all(
            (e.attrs.get(k) is not None) if v is True else e.attrs.get(k) == v for k, v in wanted.items()
        )
    ]
