"""An account's e-mail settings: the address its digest goes to, whether it goes at all, and in which language."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from .. import db, mail
from ..core.messages import N_
from ..core.text import has_control
from ..db.schema import wb_users

#: The longest address (RFC 5321's bound of a path).
MAX_ADDRESS = 254


class Problem(enum.StrEnum):
    """Why settings were refused."""

    ADDRESS = "address"
    LANGUAGE = "language"


MESSAGES = {
    Problem.ADDRESS: N_("Bitte geben Sie eine gültige E-Mail-Adresse an, oder lassen Sie das Feld leer."),
    Problem.LANGUAGE: N_("Bitte wählen Sie eine der angebotenen Sprachen."),
}


class InvalidSettings(ValueError):
    """Settings that are not stored; ``problem`` says why."""

    def __init__(self, problem: Problem):
        """Keep why."""
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class MailSettings:
    """What an account has set (email None: its user name is used when it is an address)."""

    email: str | None
    digest: bool
    language: str | None


def of_user(conn: Connection, user_id: int) -> MailSettings | None:
    """An account's settings, or None when there is no such account."""
    row = conn.execute(select(wb_users.c.email, wb_users.c.digest, wb_users.c.mail_locale)
                       .where(wb_users.c.id == user_id)).first()
    return None if row is None else MailSettings(row.email, bool(row.digest), row.mail_locale)


def save(conn: Connection, user_id: int, email: str, digest: bool, language: str, languages: list[str]) -> \
        MailSettings:
    """Store an account's settings ("" for no own address, or for the automatic language); InvalidSettings else."""
    email = email.strip()
    address = None
    if email:
        if len(email) > MAX_ADDRESS or has_control(email):
            raise InvalidSettings(Problem.ADDRESS)
        address = mail.valid_address(email)
        if address is None:
            raise InvalidSettings(Problem.ADDRESS)
    if language and language not in languages:
        raise InvalidSettings(Problem.LANGUAGE)
    settings = MailSettings(address, digest, language or None)
    with db.transaction(conn):
        conn.execute(update(wb_users).where(wb_users.c.id == user_id).values(
            email=settings.email, digest=int(settings.digest), mail_locale=settings.language))
    return settings
