"""The translators' daily digest: what became untranslated or outdated, readers' suggestions and new comments.

Once a day (by the city's calendar, Europe/Berlin) one run writes, per translator who has not switched it
off, one e-mail to the outbox about their locales. Everything happens in one transaction under the lock
MARKER: the marker row in ``maintenance`` (the day's sent-marker), each locale's snapshot of the entries
untranslated or outdated at this run (``wb_digest``; the next run tells only those added since) and the
outbox rows. Two servers or two runs on the same day therefore send once; a run that fails sends nothing.
A locale without a snapshot gets one (its entries are told from the next run on); nobody gets an e-mail
with nothing new in it.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import Connection, Engine, Row, insert, select, update

from .. import db, mail
from ..core.clock import BERLIN
from ..core.messages import N_
from ..db.schema import maintenance, wb_digest, wb_suggestions, wb_users
from ..i18n import display_name
from . import comments
from .entries import CatalogEntry, Status

#: The marker row (and the lock name) of the daily run.
MARKER = "workbench-digest"
#: Items listed per kind and locale; the rest are counted.
LIST_AT_MOST = 10
#: Characters of a German source or a text quoted in the e-mail.
QUOTE = 160
#: The statuses whose entries the digest tells about.
TOLD = (Status.MISSING, Status.OUTDATED)


@dataclass
class LocaleNews:
    """What is new in one locale since the last digest."""

    locale: str
    missing: list[CatalogEntry] = field(default_factory=list)
    outdated: list[CatalogEntry] = field(default_factory=list)
    suggestions: list[Row] = field(default_factory=list)
    comments: list[Row] = field(default_factory=list)

    def for_reader(self, username: str) -> LocaleNews:
        """The news as one translator reads them: without the comments they wrote themselves."""
        return LocaleNews(self.locale, self.missing, self.outdated, self.suggestions,
                          [c for c in self.comments if c.username != username])

    def empty(self) -> bool:
        """Tell whether there is nothing to tell."""
        return not (self.missing or self.outdated or self.suggestions or self.comments)


@dataclass(frozen=True)
class Recipient:
    """A translator who gets the digest: their address, locales and the language of the e-mail."""

    user_id: int
    username: str
    address: str
    locales: tuple[str, ...]
    language: str


@dataclass
class Run:
    """What one run did (or, dry, would do)."""

    done_already: bool = False
    mails: list[tuple[Recipient, str, str]] = field(default_factory=list)  # recipient, subject, body
    baseline: list[str] = field(default_factory=list)  # locales whose first snapshot this run took


def local_day(moment: dt.datetime) -> dt.date:
    """The city's calendar day of a moment."""
    return moment.astimezone(BERLIN).date()


def last_run(conn: Connection) -> str | None:
    """When the digest last went out (a timestamp), or None."""
    return conn.scalar(select(maintenance.c.last_run).where(maintenance.c.name == MARKER))


def sent_today(last: str | None, now: dt.datetime) -> bool:
    """Tell whether the last run was on the city's current day."""
    if last is None:
        return False
    moment = dt.datetime.strptime(last, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return local_day(moment) == local_day(now)


def address_of(row: Row) -> str | None:
    """Where an account's digest goes: its own address, else its user name when that is one."""
    return mail.valid_address(row.email or "") or mail.valid_address(row.username)


def recipients(conn: Connection, locales: list[str], languages: list[str]) -> list[Recipient]:
    """Every translator with at least one of ``locales``, an address and the digest switched on."""
    rows = conn.execute(select(wb_users).where(wb_users.c.role == "translator", wb_users.c.removed_at.is_(None),
                                               wb_users.c.digest == 1).order_by(wb_users.c.id))
    result = []
    for row in rows:
        theirs = tuple(loc for loc in row.locales.split(",") if loc in locales)
        address = address_of(row)
        if not theirs or address is None:
            continue
        language = row.mail_locale if row.mail_locale in languages else (theirs[0] if theirs[0] in languages
                                                                         else "de")
        result.append(Recipient(row.id, row.username, address, theirs, language))
    return result


def _snapshot(conn: Connection, locale: str) -> set[str] | None:
    """The keys told about (or known) at the last run of a locale; None before its first run."""
    keys = conn.scalar(select(wb_digest.c.entries).where(wb_digest.c.locale == locale))
    return None if keys is None else set(json.loads(keys))


def news(conn: Connection, locale: str, entries: list[CatalogEntry], since: str, until: str) -> tuple[
        LocaleNews, set[str], bool]:
    """A locale's news since a moment, the keys of its entries to tell about now, and whether it had a snapshot."""
    current = {e.key for e in entries if e.status in TOLD}
    before = _snapshot(conn, locale)
    result = LocaleNews(locale)
    if before is not None:
        for entry in entries:
            if entry.key in current and entry.key not in before:
                (result.missing if entry.status == Status.MISSING else result.outdated).append(entry)
    result.suggestions = list(conn.execute(select(wb_suggestions).where(
        wb_suggestions.c.locale == locale, wb_suggestions.c.state == "open", wb_suggestions.c.created > since,
        wb_suggestions.c.created <= until).order_by(wb_suggestions.c.id)))
    result.comments = [c for c in comments.written_between(conn, locale, since, until) if c.state == "open"]
    return result, current, before is not None


def _quote(text: str) -> str:
    """A text on one line, shortened for the e-mail."""
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE else flat[:QUOTE - 1] + "…"


def _section(title: str, items: list[list[str]]) -> list[str]:
    """A heading with the count, the lines of at most LIST_AT_MOST items, and how many more there are."""
    if not items:
        return []
    lines = ["", gettext(title, num=len(items))]
    for item in items[:LIST_AT_MOST]:
        lines += item
    if len(items) > LIST_AT_MOST:
        lines.append("  " + gettext("… und %(num)s weitere", num=len(items) - LIST_AT_MOST))
    return lines


def body(site: str, recipient: Recipient, told: Iterable[LocaleNews], day: dt.date) -> tuple[str, str]:
    """The subject and text of one translator's digest, in the current language."""
    lines = [gettext("Guten Tag %(name)s,", name=recipient.username), "",
             gettext("seit der letzten Zusammenfassung ist in der Übersetzungswerkstatt Folgendes neu.")]
    for item in told:
        loc = item.locale
        editor = f"{site}/translate/{loc}/entry/"
        lines += ["", f"== {display_name(loc)} ({loc}) =="]
        lines += _section(N_("Neu und noch nicht übersetzt (%(num)s):"),
                          [[f"  - {_quote(e.msgid)}", f"    {editor}{e.key}"] for e in item.missing])
        lines += _section(N_("Veraltet, weil sich das deutsche Original geändert hat (%(num)s):"),
                          [[f"  - {_quote(e.msgid)}", f"    {editor}{e.key}"] for e in item.outdated])
        lines += _section(N_("Neue Vorschläge von Lesenden (%(num)s):"),
                          [[f"  - {_quote(s.text)}", f"    ({_quote(s.msgid)})"] for s in item.suggestions])
        lines += _section(N_("Neue Kommentare (%(num)s):"),
                          [[f"  - {c.username}: {_quote(c.text)}", f"    ({_quote(c.msgid)})",
                            f"    {editor}{c.entry}"] for c in item.comments])
        lines += ["", f"{site}/translate/{loc}/"]
    settings = site + "/translate/account/notifications"
    lines += ["", "-- ", gettext("Sie bekommen diese Zusammenfassung einmal am Tag, wenn es Neues gibt. "
                                 "Abbestellen oder die Adresse ändern: %(url)s", url=settings)]
    subject = gettext("Übersetzungswerkstatt: Neues vom %(day)s", day=day.isoformat())
    return subject, "\n".join(lines) + "\n"


def collect(conn: Connection, config: Mapping[str, Any], now: dt.datetime, locales: list[str],
            entries_of: Callable[[str], list[CatalogEntry]], languages: list[str]) -> tuple[Run, dict[str, set[str]]]:
    """The e-mails of this run and each locale's new snapshot (nothing written)."""
    run = Run()
    last = last_run(conn)
    if sent_today(last, now):
        run.done_already = True
        return run, {}
    until = mail.timestamp(now)
    since = last or mail.timestamp(now - dt.timedelta(days=1))
    found: dict[str, LocaleNews] = {}
    snapshots: dict[str, set[str]] = {}
    for loc in locales:
        found[loc], snapshots[loc], known = news(conn, loc, entries_of(loc), since, until)
        if not known:
            run.baseline.append(loc)
    site = ((config.get("OPERATOR") or {}).get("site_url") or "").rstrip("/")
    for person in recipients(conn, locales, languages):
        told = [n for loc in person.locales if not (n := found[loc].for_reader(person.username)).empty()]
        if not told:
            continue
        with force_locale(person.language):
            subject, text = body(site, person, told, local_day(now))
        run.mails.append((person, subject, text))
    return run, snapshots


def _store(conn: Connection, now: dt.datetime, snapshots: dict[str, set[str]]) -> None:
    """Write each locale's snapshot and the day's marker (in the caller's transaction)."""
    stamp = mail.timestamp(now)
    for loc, keys in snapshots.items():
        values = {"entries": json.dumps(sorted(keys)), "updated": stamp}
        if conn.execute(update(wb_digest).where(wb_digest.c.locale == loc).values(**values)).rowcount == 0:
            conn.execute(insert(wb_digest).values(locale=loc, **values))
    if conn.execute(update(maintenance).where(maintenance.c.name == MARKER).values(last_run=stamp)).rowcount == 0:
        conn.execute(insert(maintenance).values(name=MARKER, last_run=stamp))


def send(engine: Engine, config: Mapping[str, Any], now: dt.datetime, locales: list[str],
         entries_of: Callable[[str], list[CatalogEntry]], languages: list[str], dry_run: bool = False) -> Run:
    """Write today's digests to the outbox, once a day across every process and host (see the module)."""
    with engine.connect() as conn:
        if dry_run:
            return collect(conn, config, now, locales, entries_of, languages)[0]
        if sent_today(last_run(conn), now):  # the background thread asks every round: a read, not the write lock
            return Run(done_already=True)
        with db.transaction(conn, lock=MARKER):
            run, snapshots = collect(conn, config, now, locales, entries_of, languages)
            if run.done_already:
                return run
            for person, subject, text in run.mails:
                mail.enqueue(conn, config, now, "digest", person.user_id, [person.address], subject, text)
            _store(conn, now, snapshots)
    return run


def due(config: Mapping[str, Any], now: dt.datetime) -> bool:
    """Whether the background thread should try today's digest: DIGEST_HOUR (city time) has come."""
    hour = config.get("DIGEST_HOUR")
    return hour is not None and now.astimezone(BERLIN).hour >= int(hour)
