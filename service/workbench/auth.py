"""Workbench accounts: users in the database, scrypt hashes, roles, per-locale permissions, login and logout."""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import wraps
from typing import Callable

from flask import g, redirect, request, session, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import db, ratelimit
from ..db.schema import rate_events, utc_now, wb_users
from ..core.messages import Np_
from ..web.errors import Forbidden, N_

#: admin: everything; translator: the catalogs of their locales; accessibility: the feedback inbox.
ROLES = ("admin", "translator", "accessibility")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
#: Failed logins allowed per user name and per address within the window.
LOGIN_LIMIT_USER = 5
LOGIN_LIMIT_ADDR = 20
LOGIN_WINDOW = 300.0
# A fixed hash to compare against when the user does not exist, so both paths cost the same.
_DUMMY_HASH = generate_password_hash("not-a-password", method="scrypt")


class AccountError(ValueError):
    """A user cannot be created or changed as asked; the message is a German source string."""

    def __init__(self, message: str | tuple[str, str], **params):
        """Keep the source message (or a singular and plural pair counted by ``num``) for translation later."""
        self.message, self.plural = message if isinstance(message, tuple) else (message, None)
        self.params = params
        super().__init__(self.message % params if params else self.message)

    def translated(self) -> str:
        """The message in the current language."""
        if self.plural is not None:
            return ngettext(self.message, self.plural, self.params["num"])
        return gettext(self.message, **self.params)


@dataclass(frozen=True)
class User:
    """A workbench account."""

    id: int
    username: str
    role: str
    locales: tuple[str, ...]
    password_hash: str

    @property
    def is_admin(self) -> bool:
        """Admins may write every locale and manage users."""
        return self.role == "admin"

    def can_write(self, locale: str) -> bool:
        """Tell whether the user may change a locale's catalog."""
        return self.is_admin or locale in self.locales

    @property
    def session_token(self) -> str:
        """A token that changes with the password, so a new password ends old sessions."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


def _row_to_user(row: Row | None) -> User | None:
    """Build a User from a row (a removed account is no user)."""
    if row is None or row.removed_at is not None:
        return None
    locales = tuple(x for x in row.locales.split(",") if x)
    return User(row.id, row.username, row.role, locales, row.password)


def parse_locales(value: str | None, allowed: list[str]) -> tuple[str, ...]:
    """Turn 'en,tr' into a checked tuple of locales."""
    result = []
    for part in (value or "").replace(" ", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if part not in allowed:
            raise AccountError(N_("Unbekannte Sprache %(locale)s (erlaubt: %(allowed)s)."), locale=part,
                               allowed=", ".join(allowed))
        if part not in result:
            result.append(part)
    return tuple(result)


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short or too long."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(Np_("Das Passwort braucht mindestens %(num)s Zeichen.",
                               "Das Passwort braucht mindestens %(num)s Zeichen."), num=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise AccountError(N_("Das Passwort ist zu lang."))


def get_user_by_name(conn: Connection, username: str) -> User | None:
    """Look a user up by name."""
    return _row_to_user(conn.execute(select(wb_users).where(wb_users.c.username == username)).first())


def get_user_by_id(conn: Connection, user_id: int) -> User | None:
    """Look a user up by id."""
    return _row_to_user(conn.execute(select(wb_users).where(wb_users.c.id == user_id)).first())


def list_users(conn: Connection) -> list[User]:
    """Every user, by name."""
    rows = conn.execute(select(wb_users).where(wb_users.c.removed_at.is_(None)).order_by(wb_users.c.username))
    return [_row_to_user(r) for r in rows]


def add_user(conn: Connection, username: str, password: str, role: str, locales: tuple[str, ...]) -> User:
    """Create a user with a scrypt-hashed password."""
    if not USERNAME_RE.match(username):
        raise AccountError(N_("Benutzernamen haben 2 bis 64 Zeichen: Buchstaben, Ziffern und ._@-"))
    if role not in ROLES:
        raise AccountError(N_("Die Rolle muss admin, translator oder accessibility sein."))
    check_password_rules(password)
    try:
        with db.transaction(conn):
            # A removed account of the same name, kept for the retention period, makes way for the new one.
            conn.execute(delete(wb_users).where(wb_users.c.username == username, wb_users.c.removed_at.is_not(None)))
            conn.execute(insert(wb_users).values(
                username=username, password=generate_password_hash(password, method="scrypt"), role=role,
                locales=",".join(locales),
            ))
    except IntegrityError:
        raise AccountError(N_("Das Konto %(name)s gibt es schon."), name=username) from None
    return get_user_by_name(conn, username)


def remove_user(conn: Connection, username: str) -> bool:
    """Remove a user at once (no login, no session); the row without its password is purged after retention."""
    with db.transaction(conn):
        result = conn.execute(update(wb_users).where(wb_users.c.username == username, wb_users.c.removed_at.is_(None))
                              .values(removed_at=utc_now(), password=""))
    return result.rowcount > 0


def set_password(conn: Connection, username: str, password: str) -> bool:
    """Give a user a new password (which ends their sessions)."""
    check_password_rules(password)
    with db.transaction(conn):
        result = conn.execute(update(wb_users).where(wb_users.c.username == username, wb_users.c.removed_at.is_(None))
                              .values(password=generate_password_hash(password, method="scrypt")))
    return result.rowcount > 0


def set_access(conn: Connection, username: str, role: str | None, locales: tuple[str, ...] | None) -> bool:
    """Change a user's role and/or locales."""
    if role is not None and role not in ROLES:
        raise AccountError(N_("Die Rolle muss admin, translator oder accessibility sein."))
    with db.transaction(conn):  # read and write together: a concurrent change is not half overwritten
        user = get_user_by_name(conn, username)
        if user is None:
            return False
        conn.execute(update(wb_users).where(wb_users.c.id == user.id).values(
            role=role or user.role, locales=",".join(user.locales if locales is None else locales),
        ))
    return True


def verify(conn: Connection, username: str, password: str) -> User | None:
    """Return the user when name and password match, spending the same time either way."""
    user = get_user_by_name(conn, username) if USERNAME_RE.match(username or "") else None
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    return user if user and ok else None


class LoginFailed(Exception):
    """A login was refused; ``message`` is a German source string, translated when shown."""

    message = N_("Benutzername oder Passwort ist falsch.")


class BadCredentials(LoginFailed):
    """The user name or the password is wrong (which one is not told)."""


class LoginThrottled(LoginFailed):
    """Too many failed logins for this user name or address lately."""

    message = N_("Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie einige Minuten.")


def attempt_login(username: str, password: str) -> User:
    """Try a login with rate limiting; return the user, or raise LoginThrottled or BadCredentials."""
    addr = request.remote_addr or "-"
    name_key = f"login-user:{username.lower()[:64]}"
    addr_key = f"login-addr:{addr}"
    # Count only failures: look at both buckets before checking the password.
    if not _below(name_key, LOGIN_LIMIT_USER) or not _below(addr_key, LOGIN_LIMIT_ADDR):
        raise LoginThrottled()
    user = verify(db.get_db(), username, password)
    if user is None:
        ratelimit.hit(name_key, LOGIN_LIMIT_USER, LOGIN_WINDOW)
        ratelimit.hit(addr_key, LOGIN_LIMIT_ADDR, LOGIN_WINDOW)
        raise BadCredentials()
    ratelimit.reset(name_key)
    return user


def _below(bucket: str, limit: int) -> bool:
    """Tell whether a bucket still has room, without counting an attempt."""
    import time

    conn = db.get_db()
    count = conn.scalar(select(func.count()).select_from(rate_events).where(
        rate_events.c.bucket == ratelimit._key(bucket), rate_events.c.at >= time.time() - LOGIN_WINDOW,
    ))
    return count < limit


def login_user(user: User) -> None:
    """Start a fresh session for a user."""
    session.clear()
    session["uid"] = user.id
    session["tok"] = user.session_token


def logout_user() -> None:
    """End the session."""
    session.clear()


def current_user() -> User | None:
    """The signed-in user of this request, checked against the database every time."""
    if "wb_user" in g:
        return g.wb_user
    user = None
    uid = session.get("uid")
    if isinstance(uid, int):
        user = get_user_by_id(db.get_db(), uid)
        if user is not None and not hmac.compare_digest(str(session.get("tok", "")), user.session_token):
            user = None
    g.wb_user = user
    return user


def login_required(view: Callable) -> Callable:
    """Send visitors without a session to the login page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        """Run the view only for a signed-in user."""
        if current_user() is None:
            return redirect(url_for("workbench.login",
                                    next=request.full_path.rstrip("?") if request.method == "GET" else None))
        return view(*args, **kwargs)

    return wrapped


def require_write(locale: str) -> User:
    """The current user, if they may write this locale; Forbidden otherwise."""
    user = current_user()
    if user is None or not user.can_write(locale):
        raise Forbidden(N_("Sie dürfen diese Sprache nicht bearbeiten."))
    return user


def require_admin() -> User:
    """The current user, if an admin; Forbidden otherwise."""
    user = current_user()
    if user is None or not user.is_admin:
        raise Forbidden(N_("Nur Administratorinnen und Administratoren dürfen Konten verwalten."))
    return user
