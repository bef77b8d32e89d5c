"""The German source pages: Markdown files with front matter, parsed into translatable blocks."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from flask import Flask, current_app

from .core.clock import local_moment
from .core.revisions import RedisRevisions
from .core.syntax import LINK_RE

log = logging.getLogger(__name__)
#: The field of the shared revision hash (core/revisions.py) that `flask content publish` bumps.
SHARED_FIELD = "_content"

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class Block:
    """One translatable unit of a page: a heading, a paragraph or a list item."""

    id: str
    tag: str  # h1, h2, h3, p, li
    msgid: str
    href: str | None = None
    list_id: int | None = None
    lineno: int = 0


@dataclass(frozen=True)
class Page:
    """A German source page and its metadata."""

    slug: str
    kind: str
    order: int
    nav: str
    blocks: tuple[Block, ...]
    published: dt.date | None = None
    values: dict[str, str] = field(default_factory=dict)
    #: A notice is live from ``show_from`` (inclusive) until ``show_until`` (exclusive); None: open-ended.
    show_from: dt.datetime | None = None
    show_until: dt.datetime | None = None

    def live(self, now: dt.datetime) -> bool:
        """Tell whether a notice is shown at a moment (an aware datetime)."""
        return (self.show_from is None or self.show_from <= now) and (self.show_until is None or now < self.show_until)
    #: One or two sentences for search results and shared links (``<meta name="description">``).
    description: str = ""
    #: A page in Leichte Sprache: "pending" until readers of the target group checked it; then the operator
    #: writes who checked it and when (``reader_check: 2027-01-15 Prüfgruppe ...``).
    reader_check: str = ""

    @property
    def title(self) -> str:
        """The page's h1 message."""
        return next(b.msgid for b in self.blocks if b.tag == "h1")

    @property
    def url_slug(self) -> str:
        """The part of the URL after the locale ('' for the overview)."""
        return "" if self.slug == "index" else self.slug

    def messages(self) -> list[str]:
        """Every message of the page, in order, without duplicates."""
        seen: dict[str, None] = {}
        for text in [self.nav, self.description, *(b.msgid for b in self.blocks)]:
            if text:
                seen.setdefault(text, None)
        return list(seen)


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    """Split ``key: value`` front matter from the body; return it and the body's first line."""
    meta: dict[str, str] = {}
    if not lines or lines[0].strip() != "---":
        return meta, 0
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return meta, i + 1
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"line {i + 1}: front matter needs 'key: value'")
        meta[key.strip()] = value.strip()
    raise ValueError("front matter is not closed by '---'")


def parse_blocks(lines: list[str], first_lineno: int = 1) -> list[Block]:
    """Turn Markdown lines into blocks: headings, paragraphs (joined lines) and list items."""
    blocks: list[Block] = []
    para: list[str] = []
    para_line = 0
    list_id = 0
    in_list = False

    def flush() -> None:
        nonlocal para
        if para:
            blocks.append(Block(f"b{len(blocks) + 1}", "p", " ".join(para), lineno=para_line))
            para = []

    for offset, raw in enumerate(lines):
        lineno = first_lineno + offset
        line = raw.strip()
        heading = re.match(r"^(#{1,3})\s+(.+)$", line)
        item = re.match(r"^[-*]\s+(.+)$", line)
        if not line:
            flush()
            in_list = False
        elif heading:
            flush()
            in_list = False
            blocks.append(Block(f"b{len(blocks) + 1}", f"h{len(heading.group(1))}", heading.group(2), lineno=lineno))
        elif item:
            flush()
            if not in_list:
                list_id += 1
                in_list = True
            text, href = item.group(1), None
            whole_link = LINK_RE.fullmatch(text)
            if whole_link:
                text, href = whole_link.group(1), whole_link.group(2)
            blocks.append(Block(f"b{len(blocks) + 1}", "li", text, href=href, list_id=list_id, lineno=lineno))
        else:
            if not para:
                para_line = lineno
            para.append(line)
    flush()
    return blocks


def parse_page(text: str, name: str = "<page>") -> Page:
    """Parse one content file into a Page."""
    lines = text.splitlines()
    try:
        meta, start = _front_matter(lines)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    blocks = parse_blocks(lines[start:], first_lineno=start + 1)
    slug = meta.get("slug", Path(name).stem)
    kind = meta.get("kind", "page")
    if kind != "notice" and sum(b.tag == "h1" for b in blocks) != 1:
        raise ValueError(f"{name}: a page needs exactly one '# heading'")
    published = dt.date.fromisoformat(meta["published"]) if meta.get("published") else None
    values = {k.removeprefix("value."): v for k, v in meta.items() if k.startswith("value.")}
    try:
        window = [local_moment(meta[k]) if meta.get(k) else None for k in ("show_from", "show_until")]
    except ValueError as exc:
        raise ValueError(f"{name}: show_from/show_until must look like 2026-12-24 00:00 ({exc})") from None
    if kind != "notice" and any(window):
        raise ValueError(f"{name}: only notices have show_from/show_until")
    opens, closes = window
    if opens and closes and opens >= closes:
        raise ValueError(f"{name}: show_until must come after show_from")
    return Page(
        slug=slug,
        kind=kind,
        order=int(meta.get("order", 99)),
        nav=meta.get("nav", ""),
        blocks=tuple(blocks),
        published=published,
        values=values,
        show_from=window[0],
        show_until=window[1],
        description=meta.get("description", ""),
        reader_check=meta.get("reader_check", ""),
    )


class Content:
    """Every page of the site, loaded from the content folder, and loaded again when it changes.

    A change is seen by the files' stamps (checked at most every ``interval`` seconds, by whichever request asks
    first), or by the shared token that `flask content publish` bumps (several servers, Redis): every worker of every
    server reloads at its next request, without a restart. A folder that fails to parse keeps the last good pages.
    """

    def __init__(self, folder: str | Path, interval: float = 2.0, shared: RedisRevisions | None = None):
        """Load ``folder``; look for changes every ``interval`` seconds and in ``shared``'s token, if given."""
        self.folder = Path(folder)
        self.interval = interval
        self.shared = shared
        self.pages: dict[str, Page] = {}
        #: Every notice, live or not, in file order (several may be live at once).
        self.notices: list[Page] = []
        #: A hash of every content file's bytes: part of every locale's revision (page caches, ETags, audio memo).
        self.token = ""
        self._stamps: tuple = ()
        self._shared_seen = self._shared_token()
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self.reload()

    def _files(self) -> list[Path]:
        """The content files, in name order."""
        return sorted(self.folder.glob("*.md"))

    def stamps(self) -> tuple:
        """What identifies this version of the folder cheaply: its own mtime, and each file's name, mtime and size
        (one scandir, one stat per file)."""
        out: list[tuple] = [("", os.stat(self.folder).st_mtime_ns, 0)]
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if not entry.name.endswith(".md") or entry.name.startswith("."):  # as glob("*.md")
                    continue
                try:
                    st = entry.stat()
                except FileNotFoundError:  # removed between the listing and the stat: the next check sees it
                    continue
                out.append((entry.name, st.st_mtime_ns, st.st_size))
        return tuple(sorted(out))

    def reload(self) -> None:
        """Read every ``*.md`` file again (a file that does not parse raises ValueError; nothing is replaced)."""
        stamps = self.stamps()
        pages: dict[str, Page] = {}
        notices: list[Page] = []
        digest = hashlib.sha256()
        for path in self._files():
            data = path.read_bytes()
            digest.update(path.name.encode() + b"\0" + data + b"\0")
            page = parse_page(data.decode("utf-8"), path.name)
            if page.kind == "notice":
                notices.append(page)
            else:
                pages[page.slug] = page
        self.pages = dict(sorted(pages.items(), key=lambda kv: (kv[1].order, kv[0])))
        self.notices = notices
        self.token = digest.hexdigest()[:16]
        self._stamps = stamps

    def _shared_token(self) -> str:
        """The token `flask content publish` last set on every server ("" without Redis)."""
        return self.shared.token(SHARED_FIELD) if self.shared is not None else ""

    def refresh(self) -> bool:
        """Reload when the shared token changed, or the files did (their stamps looked at every ``interval``
        seconds); tell whether the pages changed. A folder that does not parse is logged; the last good pages stay."""
        now = time.monotonic()
        shared = self._shared_token()  # memoized by RedisRevisions for REVISION_TTL: no request waits on it
        published = shared != self._shared_seen
        if not published and now - self._checked < self.interval:
            return False
        if not self._lock.acquire(blocking=False):  # another thread is looking: this request keeps the pages
            return False
        try:
            self._checked = now
            stamps = self.stamps()
            if stamps == self._stamps and not published:
                return False
            self._shared_seen = shared
            before = self.token
            try:
                self.reload()
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                self._stamps = stamps  # not again until a file changes once more
                log.error("content not reloaded, the pages stay as they were: %s", exc)
                return False
            if self.token != before:
                log.info("content reloaded from %s: %d pages, %d notices", self.folder, len(self.pages),
                         len(self.notices))
            return self.token != before
        finally:
            self._lock.release()

    def announce(self) -> None:
        """Tell every worker to reload (`flask content publish`): the folder's stamp changes (a copy that kept the
        files' times and sizes is seen too), and with Redis every server's shared token."""
        os.utime(self.folder)
        if self.shared is not None:
            self.shared.bump(SHARED_FIELD)

    def revision(self) -> str:
        """The content's token after a check for changes (the pages' revision folds it in)."""
        self.refresh()
        return self.token

    def live_notices(self, now: dt.datetime) -> list[Page]:
        """The notices shown at a moment, in order."""
        return [n for n in self.notices if n.live(now)]

    def get(self, url_slug: str) -> Page | None:
        """The page for a URL slug ('' is the overview), or None for an unknown or malformed one."""
        slug = url_slug or "index"
        if url_slug == "index" or not SLUG_RE.match(slug):
            return None
        return self.pages.get(slug)

    def all_messages(self) -> list[str]:
        """Every content message of the site, without duplicates."""
        seen: dict[str, None] = {}
        for page in [*self.pages.values(), *self.notices]:
            for text in page.messages():
                seen.setdefault(text, None)
        return list(seen)

    def find_message(self, msgid: str) -> list[Page]:
        """The pages on which a message appears (for translators)."""
        return [p for p in self.pages.values() if msgid in p.messages()]


def extract_content(fileobj: IO[bytes], keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extractor: yield every block and navigation label of a content file as a message."""
    text = fileobj.read().decode("utf-8")
    name = getattr(fileobj, "name", "<content>")
    page = parse_page(text, str(name))
    if page.nav:
        yield 1, None, page.nav, [f"navigation label of page '{page.slug}'"]
    if page.description:
        yield 1, None, page.description, [f"description of page '{page.slug}' for search results and shared links"]
    for block in page.blocks:
        comment = f"page '{page.slug}', {block.tag}"
        if block.href:
            comment += f", link text of {block.href}"
        yield block.lineno, None, block.msgid, [comment]


def init_app(app: Flask, shared: RedisRevisions | None = None) -> Content:
    """Load the content folder into ``app.extensions['content']``; it reloads itself when the files change (checked
    every CONTENT_CHECK_INTERVAL seconds) or when ``shared``'s token does (`flask content publish`)."""
    content = Content(app.config["CONTENT_DIR"], float(app.config["CONTENT_CHECK_INTERVAL"]), shared)
    app.extensions["content"] = content
    return content


def revision_provider(content: Content) -> Callable[[str], str]:
    """What the content adds to every locale's revision (page cache key, front, ETag, audio memo)."""
    return lambda locale: content.revision()



def get_content() -> Content:
    """The Content of the current app."""
    return current_app.extensions["content"]
