"""Workbench accounts: users in the database, scrypt hashes, roles, per-locale permissions, login and logout."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps

from flask import current_app, g, has_app_context, redirect, request, session, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import config, db, ratelimit
from ..core import offload
from ..core.messages import Np_
from ..db.schema import utc_now, wb_users
from ..web.errors import N_, Forbidden
from . import localtime, passwords, sessions, throttle

#: admin: everything; translator: the catalogs of their locales; accessibility: the feedback inbox.
ROLES = ("admin", "translator", "accessibility")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
MAX_PASSWORD = 1024
#: The failures a user name can take from one client before a delay (tests and the README name it); the
#: buckets and their delays: service/workbench/throttle.py.
LOGIN_LIMIT_USER = throttle.PAIR.free


class AccountError(ValueError):
    """A user cannot be created or changed as asked; the message is a German source string."""

    def __init__(self, message: str | tuple[str, str], **params):
        """Keep the source message (or a singular and plural pair counted by ``num``) for translation later."""
        self.plural: str | None
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

    def can_read(self, locale: str) -> bool:
        """Tell whether the user may see a locale's entries, history, suggestions and .po (L6): admins every
        locale, translators their own; the accessibility role none (locales an old row holds count for nothing)."""
        return self.is_admin or (self.role == "translator" and locale in self.locales)

    def can_write(self, locale: str) -> bool:
        """Tell whether the user may change a locale's catalog: whoever may read it."""
        return self.can_read(locale)


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


def _setting(name: str):
    """A setting of the running app, or its default outside one (a script, a test helper)."""
    if has_app_context():
        return current_app.config[name]
    return config.defaults("")[name]


def hash_password(password: str) -> str:
    """A hash of a password with the configured method (scrypt at OWASP's parameters by default)."""
    return offload.run(generate_password_hash, password, _setting("PASSWORD_HASH_METHOD"))  # scrypt: off the loop


def needs_rehash(password_hash: str) -> bool:
    """Tell whether a stored hash was made with other parameters than the configured ones."""
    return password_hash.split("$", 1)[0] != _setting("PASSWORD_HASH_METHOD")


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A fixed hash to check when the user does not exist, so both paths cost the same."""
    return generate_password_hash("not-a-password", method=method)


def check_password_rules(password: str, username: str = "") -> None:
    """Refuse passwords that are too short, too long, or easy to guess (zxcvbn's estimate)."""
    minimum = int(_setting("PASSWORD_MIN_LENGTH"))
    if len(password) < minimum:
        raise AccountError(Np_("Das Passwort braucht mindestens %(num)s Zeichen.",
                               "Das Passwort braucht mindestens %(num)s Zeichen."), num=minimum)
    if len(password) > MAX_PASSWORD:
        raise AccountError(N_("Das Passwort ist zu lang."))
    if passwords.built_from_known_words(password, username):
        raise AccountError(N_("Dieses Passwort ist zu leicht zu erraten. Es besteht fast nur aus Wörtern, "
                              "Jahreszahlen und Zeichen, die zu Herne, zu diesem Dienst oder zu häufigen Passwörtern "
                              "gehören. Bitte nehmen Sie mehrere Wörter, die nicht zusammengehören."))
    if passwords.score(password, username) < int(_setting("PASSWORD_MIN_SCORE")):
        raise AccountError(N_("Dieses Passwort ist zu leicht zu erraten. Bitte nehmen Sie mehrere Wörter, "
                              "die nicht zusammengehören, oder eine lange zufällige Zeichenfolge."))


def _admins(conn: Connection) -> int:
    """How many admin accounts there are."""
    return int(conn.scalar(select(func.count()).select_from(wb_users)
                           .where(wb_users.c.role == "admin", wb_users.c.removed_at.is_(None))) or 0)


def _refuse_last_admin(conn: Connection, user: User) -> None:
    """Nobody removes or demotes the last admin: the workbench would have no one to manage it."""
    if user.is_admin and _admins(conn) <= 1:
        raise AccountError(N_("Das letzte Administratorkonto kann weder gelöscht noch herabgestuft werden."))


def get_user_by_name(conn: Connection, username: str) -> User | None:
    """Look a user up by name (a name no account can have, NUL say, is not looked up: L2)."""
    if not USERNAME_RE.match(username or ""):
        return None
    return _row_to_user(conn.execute(select(wb_users).where(wb_users.c.username == username)).first())


def get_user_by_id(conn: Connection, user_id: int) -> User | None:
    """Look a user up by id."""
    return _row_to_user(conn.execute(select(wb_users).where(wb_users.c.id == user_id)).first())


def list_users(conn: Connection) -> list[User]:
    """Every user, by name."""
    rows = conn.execute(select(wb_users).where(wb_users.c.removed_at.is_(None)).order_by(wb_users.c.username))
    return [user for r in rows if (user := _row_to_user(r)) is not None]


def _refuse_locales_without_catalogs(role: str, locales: tuple[str, ...] | None) -> None:
    """The accessibility role reads the inbox, never catalogs: it carries no locales (L6)."""
    if role == "accessibility" and locales:
        raise AccountError(N_("Konten mit der Rolle accessibility bearbeiten keine Sprachen. Bitte wählen Sie für "
                              "sie keine Sprache aus."))


def add_user(conn: Connection, username: str, password: str, role: str, locales: tuple[str, ...]) -> User:
    """Create a user with a scrypt-hashed password."""
    if not USERNAME_RE.match(username):
        raise AccountError(N_("Benutzernamen haben 2 bis 64 Zeichen: Buchstaben, Ziffern und ._@-"))
    if role not in ROLES:
        raise AccountError(N_("Die Rolle muss admin, translator oder accessibility sein."))
    _refuse_locales_without_catalogs(role, locales)
    check_password_rules(password, username)
    hashed = hash_password(password)
    try:
        with db.transaction(conn):
            # A removed account of the same name, kept for the retention period, makes way for the new one.
            conn.execute(delete(wb_users).where(wb_users.c.username == username, wb_users.c.removed_at.is_not(None)))
            result = conn.execute(insert(wb_users).values(
                username=username, password=hashed, role=role,
                locales=",".join(locales),
            ))
    except IntegrityError:
        raise AccountError(N_("Das Konto %(name)s gibt es schon."), name=username) from None
    return User(db.inserted_id(result), username, role, tuple(x for x in locales if x), hashed)


def remove_user(conn: Connection, username: str) -> bool:
    """Remove a user at once (no login, no session; the last admin stays); the row is purged after retention."""
    with db.transaction(conn):
        user = get_user_by_name(conn, username)
        if user is None:
            return False
        _refuse_last_admin(conn, user)
        conn.execute(update(wb_users).where(wb_users.c.id == user.id).values(removed_at=utc_now(), password=""))
        sessions.end_all(conn, user.id)
    return True


def set_password(conn: Connection, username: str, password: str) -> bool:
    """Give a user a new password, which ends every session of theirs."""
    check_password_rules(password, username)
    with db.transaction(conn):
        user = get_user_by_name(conn, username)
        if user is None:
            return False
        conn.execute(update(wb_users).where(wb_users.c.id == user.id).values(password=hash_password(password)))
        sessions.end_all(conn, user.id)
    return True


def set_access(conn: Connection, username: str, role: str | None, locales: tuple[str, ...] | None) -> bool:
    """Change a user's role and/or locales; a changed role ends their sessions. The last admin stays one."""
    if role is not None and role not in ROLES:
        raise AccountError(N_("Die Rolle muss admin, translator oder accessibility sein."))
    with db.transaction(conn):  # read and write together: a concurrent change is not half overwritten
        user = get_user_by_name(conn, username)
        if user is None:
            return False
        new_role = role or user.role
        _refuse_locales_without_catalogs(new_role, locales)
        if new_role == "accessibility":
            locales = ()  # a translator who becomes the accessibility contact leaves their locales
        if new_role != user.role:
            _refuse_last_admin(conn, user)
        conn.execute(update(wb_users).where(wb_users.c.id == user.id).values(
            role=new_role, locales=",".join(user.locales if locales is None else locales),
        ))
        if new_role != user.role:
            sessions.end_all(conn, user.id)
    return True


def verify(conn: Connection, username: str, password: str) -> User | None:
    """Return the user when name and password match, spending the same time either way.

    A hash made with older parameters is replaced by one with the configured ones.
    """
    method = _setting("PASSWORD_HASH_METHOD")
    user = get_user_by_name(conn, username) if USERNAME_RE.match(username or "") else None
    ok = offload.run(check_password_hash, user.password_hash if user else offload.run(_dummy_hash, method),
                     (password or "")[:MAX_PASSWORD])  # scrypt: off the event loop
    if not (user and ok):
        return None
    if needs_rehash(user.password_hash):
        with db.transaction(conn):
            conn.execute(update(wb_users).where(wb_users.c.id == user.id, wb_users.c.password == user.password_hash)
                         .values(password=hash_password(password)))
    return user


class LoginFailed(Exception):
    """A login was refused; ``message`` is a German source string, translated when shown."""

    message = N_("Benutzername oder Passwort ist falsch.")


class BadCredentials(LoginFailed):
    """The user name or the password is wrong (which one is not told)."""


class LoginThrottled(LoginFailed):
    """Too many failed logins for this user name or address lately; ``retry_after`` says for how long."""

    message = N_("Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie einige Minuten.")

    def __init__(self, retry_after: float = 0.0):
        """Keep the seconds to wait."""
        super().__init__()
        self.retry_after = retry_after


def attempt_login(username: str, password: str) -> User:
    """Try a login with rate limiting; return the user, or raise LoginThrottled or BadCredentials.

    The attempt is reserved in every bucket before the password is checked, so parallel guesses
    cannot all slip through; a successful login gives its reservation back. A browser that signed
    into the account before (its device cookie) is slowed only by its own failures (throttle.py).
    """
    name = username.lower()[:64]
    conn = db.get_db()
    known = get_user_by_name(conn, username) if USERNAME_RE.match(username or "") else None
    device = throttle.device(known.id, known.password_hash) if known else None
    buckets = throttle.buckets(name, ratelimit.address(request.remote_addr), device)
    wait, at = ratelimit.reserve(buckets)
    if wait > 0:
        raise LoginThrottled(wait)
    user = verify(conn, username, password)
    if user is None:
        if device is None:
            throttle.failed(conn, name, username, known.id if known else None)
        raise BadCredentials()
    for bucket, _ in buckets[1:]:
        ratelimit.release(bucket, at)
    ratelimit.reset(buckets[0][0])
    fresh = get_user_by_id(conn, user.id)  # its hash after a rehash: the device cookie names the current one
    throttle.remember(user.id, (fresh or user).password_hash)
    g.login_failures = throttle.failures(name)
    return user


def _timeouts() -> tuple[float, float]:
    """The idle and the absolute timeout of a session (seconds)."""
    return float(current_app.config["SESSION_IDLE_TIMEOUT"]), float(current_app.config["SESSION_MAX_AGE"])


def login_user(user: User) -> None:
    """Start a fresh session for a user (a new token: a session id planted before login is worthless)."""
    conn = db.get_db()
    sessions.end(conn, session.get("sid"))
    session.clear()
    session["sid"] = sessions.start(conn, user.id, *_timeouts())
    g.pop("wb_user", None)
    throttle.tell_at_sign_in()  # after the clear: the notice lives in the new session
    localtime.remember(request.form.get(localtime.SESSION_KEY))  # the browser's zone, from the login form


def logout_user() -> None:
    """End the session on the server (a copy of the cookie is worthless too) and in the browser."""
    sessions.end(db.get_db(), session.get("sid"))
    session.clear()
    g.pop("wb_user", None)


def current_user() -> User | None:
    """The signed-in user of this request: a live session row, and an account that still exists."""
    if "wb_user" in g:
        return g.wb_user
    user = None
    conn = db.get_db()
    uid = sessions.lookup(conn, session.get("sid"), *_timeouts())
    if uid is not None:
        user = get_user_by_id(conn, uid)
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


def readable(locales: list[str]) -> list[str]:
    """The locales of a list that the current user may read."""
    user = current_user()
    return [loc for loc in locales if user is not None and user.can_read(loc)]


def require_read(locale: str) -> User:
    """The current user, if they may read this locale's catalog; Forbidden otherwise."""
    user = current_user()
    if user is None or not user.can_read(locale):
        raise Forbidden(N_("Diese Sprache gehört nicht zu Ihrem Konto."))
    return user


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
