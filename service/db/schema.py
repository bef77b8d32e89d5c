"""Every table of the service's database in one SQLAlchemy MetaData (the head revision of the migrations)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import REAL, CheckConstraint, Column, Index, Integer, LargeBinary, MetaData, Table, Text, text
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: How every timestamp column stores a moment: ISO 8601 text in UTC, to the second.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: DEFAULT '' as SQL: Alembic's SQLite comparison reads a plain "" as different from the '' it reflects.
EMPTY = text("''")


def utc_now() -> str:
    """The current moment as the timestamp columns store it (the value the app writes)."""
    return datetime.now(UTC).strftime(TIMESTAMP_FORMAT)


class utc_now_text(FunctionElement):
    """The database's own ISO 8601 UTC now(), for server defaults (rows written by other tools)."""

    type = Text()
    name = "utc_now_text"
    inherit_cache = True


@compiles(utc_now_text, "sqlite")
def _utc_now_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    """SQLite: the default the tables had before Alembic, character for character."""
    return "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


@compiles(utc_now_text, "postgresql")
def _utc_now_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    """PostgreSQL: the same text from now() in UTC."""
    return "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


def _created(name: str) -> Column:
    """A NOT NULL timestamp column filled with the moment of the insert."""
    return Column(name, Text, nullable=False, default=utc_now, server_default=utc_now_text())


metadata = MetaData()

#: The roles a workbench account can have, as SQL for the CHECK constraint.
ROLES_SQL = "('admin', 'translator', 'accessibility')"

#: Accessibility feedback from the public form (holds e-mail addresses).
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True),
    _created("created"),
    Column("locale", Text, nullable=False),
    Column("page", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("message", Text, nullable=False),
    # The inbox: open until someone marks it handled, with a note (revision 0003).
    Column("state", Text, nullable=False, server_default="open"),
    Column("note", Text, nullable=False, server_default=EMPTY),
    Column("handled_by", Text),
    Column("handled_at", Text),
    # 1: arrived past the hourly soft cap of all visitors' messages (service/intake.py; revision 0004).
    Column("held", Integer, nullable=False, server_default=text("0")),
    Index("feedback_state", "state", "created"),
)

#: Seconds since the epoch. REAL is 8 bytes in SQLite but 4 in PostgreSQL, too coarse for that.
EPOCH: REAL[float] = REAL().with_variant(DOUBLE_PRECISION(), "postgresql")

#: One row per counted attempt; ``bucket`` is an HMAC, ``at`` and ``expires`` seconds since the epoch.
rate_events = Table(
    "rate_events", metadata,
    Column("bucket", Text, nullable=False),
    Column("at", EPOCH, nullable=False),
    # When the attempt leaves its window and the row is deleted (NULL: a row from before 0002).
    Column("expires", EPOCH),
    Index("rate_events_bucket", "bucket", "at"),
    Index("rate_events_expires", "expires"),
)

#: Workbench accounts (scrypt hashes).
wb_users = Table(
    "wb_users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", Text, nullable=False, unique=True),
    Column("password", Text, nullable=False),
    Column("role", Text, CheckConstraint(f"role IN {ROLES_SQL}", name="wb_users_role"), nullable=False),
    Column("locales", Text, nullable=False, server_default=EMPTY),
    _created("created"),
    # A removed account is kept (without its password) until the retention period ends (revision 0003).
    Column("removed_at", Text),
    # The daily digest (revision 0006): its address (NULL: the user name, when that is one), on or off, language.
    Column("email", Text),
    Column("digest", Integer, nullable=False, server_default=text("1")),
    Column("mail_locale", Text),
)

#: Signed-in workbench sessions: the cookie holds a random token, the row its hash; deleting the row ends it.
wb_sessions = Table(
    "wb_sessions", metadata,
    Column("id", Text, primary_key=True),  # SHA-256 of the token, hex
    Column("user_id", Integer, nullable=False),
    Column("created", EPOCH, nullable=False),
    Column("seen", EPOCH, nullable=False),
    Index("wb_sessions_user", "user_id"),
)

#: A catalog save in progress: the .po it writes and its audit rows, recorded before the rename.
wb_intents = Table(
    "wb_intents", metadata,
    Column("id", Integer, primary_key=True),
    _created("created"),
    Column("locale", Text, nullable=False),
    Column("domain", Text, nullable=False),
    Column("po_sha256", Text, nullable=False),  # the .po that the save writes
    Column("changes", Text, nullable=False),  # the audit rows to write once the file is in place (JSON)
)

#: Every change of a catalog entry made through the workbench.
wb_audit = Table(
    "wb_audit", metadata,
    Column("id", Integer, primary_key=True),
    _created("at"),
    Column("username", Text, nullable=False),
    Column("locale", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("msgid", Text, nullable=False),
    Column("old", Text, nullable=False),
    Column("new", Text, nullable=False),
    Column("old_flags", Text, nullable=False, server_default=EMPTY),
    Column("new_flags", Text, nullable=False, server_default=EMPTY),
    Column("comment", Text, nullable=False, server_default=EMPTY),  # why, e.g. of a rejection (revision 0005)
    Index("wb_audit_locale", "locale", "msgid"),
)

#: A translator's text waiting for review, one per entry (revision 0005); the .po keeps the reviewed text.
wb_pending = Table(
    "wb_pending", metadata,
    Column("id", Integer, primary_key=True),
    _created("created"),
    Column("locale", Text, nullable=False),
    Column("entry", Text, nullable=False),  # the entry's key (hash of context and msgid)
    Column("msgid", Text, nullable=False),
    Column("strings", Text, nullable=False),  # JSON list: one string, or one per plural form
    Column("base", Text, nullable=False),  # the revision of the catalog entry it was written against
    Column("username", Text, nullable=False),
    Index("wb_pending_entry", "locale", "entry", unique=True),
)

#: Notes on an entry between translators and the city's editors, open until someone resolves them (revision 0006).
wb_comments = Table(
    "wb_comments", metadata,
    Column("id", Integer, primary_key=True),
    _created("created"),
    Column("locale", Text, nullable=False),
    Column("entry", Text, nullable=False),  # the entry's key (hash of context and msgid)
    Column("msgid", Text, nullable=False),
    Column("username", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("state", Text, CheckConstraint("state IN ('open', 'resolved')", name="wb_comments_state"),
           nullable=False, server_default="open"),
    Column("resolved_by", Text),
    Column("resolved_at", Text),
    Index("wb_comments_entry", "locale", "entry"),
    Index("wb_comments_queue", "locale", "state", "created"),
)

#: Per locale, the entries untranslated or outdated when the last digest went out (revision 0006): JSON entry keys.
wb_digest = Table(
    "wb_digest", metadata,
    Column("locale", Text, primary_key=True),
    Column("entries", Text, nullable=False),  # JSON list of entry keys
    Column("updated", Text, nullable=False),
)

#: An uploaded .po between its preview and the translator's confirmation (revision 0005).
wb_upload_previews = Table(
    "wb_upload_previews", metadata,
    Column("id", Text, primary_key=True),  # a random token
    _created("created"),
    Column("username", Text, nullable=False),
    Column("locale", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

#: Readers' suggestions of better translations, a queue per locale.
wb_suggestions = Table(
    "wb_suggestions", metadata,
    Column("id", Integer, primary_key=True),
    _created("created"),
    Column("locale", Text, nullable=False),
    Column("slug", Text, nullable=False),
    Column("block_id", Text, nullable=False),
    Column("msgid", Text, nullable=False),
    Column("shown", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("state", Text, CheckConstraint("state IN ('open', 'done', 'dismissed')"), nullable=False,
           server_default="open"),
    Column("handled_by", Text),
    Column("handled_at", Text),
    Column("held", Integer, nullable=False, server_default=text("0")),  # as feedback.held
    Column("author", Text),  # a translator whose upload added it (revision 0005); NULL: a reader
    Index("wb_suggestions_queue", "locale", "state", "msgid"),
)

#: Notification e-mails, written in the transaction that stores what they tell about, sent and retried from here.
mail_outbox = Table(
    "mail_outbox", metadata,
    Column("id", Integer, primary_key=True),
    _created("created"),
    Column("topic", Text, nullable=False),  # feedback, suggestion
    Column("ref_id", Integer, nullable=False),  # the row it tells about
    Column("recipients", Text, nullable=False),  # comma-separated addresses
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("reply_to", Text, nullable=False, server_default=EMPTY),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt", Text, nullable=False),  # not before this moment (also a lease while sending)
    Column("last_error", Text, nullable=False, server_default=EMPTY),
    Column("sent_at", Text),
    Index("mail_outbox_due", "sent_at", "next_attempt"),
)

#: When periodic work (the retention purge) last ran, shared by every worker and host.
maintenance = Table(
    "maintenance", metadata,
    Column("name", Text, primary_key=True),
    Column("last_run", Text, nullable=False),
)
