"""Who runs the site: the operator's settings (OPERATOR in config), their placeholders, and a start-up warning."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import config
from .core.messages import N_

log = logging.getLogger(__name__)

#: What a page shows, translated, for each setting that is not configured yet.
PLACEHOLDERS = {
    "controller_name": N_("[Name der Behörde eintragen]"),
    "controller_address": N_("[Anschrift der Behörde eintragen]"),
    "controller_email": N_("[E-Mail-Adresse der Behörde eintragen]"),
    "controller_phone": N_("[Telefonnummer der Behörde eintragen]"),
    "dpo_name": N_("[Name der oder des Datenschutzbeauftragten eintragen]"),
    "dpo_address": N_("[Anschrift der oder des Datenschutzbeauftragten eintragen]"),
    "dpo_email": N_("[E-Mail-Adresse der oder des Datenschutzbeauftragten eintragen]"),
    "accessibility_email": N_("[E-Mail-Adresse der Kontaktstelle für Barrierefreiheit eintragen]"),
    "accessibility_phone": N_("[Telefonnummer der Kontaktstelle für Barrierefreiheit eintragen]"),
    "responsible_office": N_("[Zuständige Stelle eintragen]"),
    "hosting_provider": N_("[Hosting-Dienstleister eintragen]"),
    "site_url": N_("[Adresse der Website eintragen]"),
    "statement_prepared": N_("[Datum der Erstellung eintragen]"),
    "statement_reviewed": N_("[Datum der letzten Überprüfung eintragen]"),
    "enforcement_name": N_("[Durchsetzungsstelle eintragen]"),
    "enforcement_email": N_("[E-Mail-Adresse der Durchsetzungsstelle eintragen]"),
    "enforcement_url": N_("[Website der Durchsetzungsstelle eintragen]"),
    # TRANSLATORS: shown where the operator has not set the enforcement body's postal address yet
    "enforcement_address": N_("[Postanschrift der Durchsetzungsstelle eintragen]"),
    "authority_name": N_("[Datenschutz-Aufsichtsbehörde eintragen]"),
    "authority_address": N_("[Anschrift der Aufsichtsbehörde eintragen]"),
    "authority_email": N_("[E-Mail-Adresse der Aufsichtsbehörde eintragen]"),
    "authority_url": N_("[Website der Aufsichtsbehörde eintragen]"),
}
#: Settings whose value is German text (names, addresses): shown in other languages marked lang="de" and isolated.
GERMAN_TEXT = ("controller_name", "controller_address", "dpo_name", "dpo_address", "responsible_office",
               "hosting_provider", "enforcement_name", "enforcement_address", "authority_name", "authority_address")
#: Settings that hold an ISO date (shown as a date in each locale).
DATES = ("statement_prepared", "statement_reviewed")


class UnknownSetting(KeyError):
    """A page asks for an operator setting that does not exist."""


def setting(config: Mapping[str, Any], key: str) -> str | None:
    """An operator setting as text, or None when it is not configured."""
    if key not in PLACEHOLDERS:
        raise UnknownSetting(key)
    value = (config.get("OPERATOR") or {}).get(key)
    if value is None or not str(value).strip():
        return None
    return str(value).strip()


def date_setting(config: Mapping[str, Any], key: str) -> dt.date | None:
    """An operator setting that holds an ISO date, or None when unset; ValueError when it is no date."""
    value = setting(config, key)
    return dt.date.fromisoformat(value) if value else None


def unset(config: Mapping[str, Any]) -> list[str]:
    """The operator settings still missing."""
    return [key for key in PLACEHOLDERS if setting(config, key) is None]


def warning(config: Mapping[str, Any]) -> str | None:
    """The warning about operator settings still placeholders, or None when all are set.

    Shown once at server start (gunicorn's on_starting hook) and by `flask check`, not by every command.
    """
    missing = unset(config)
    if not missing:
        return None
    return (f"operator settings not configured, the legal pages show placeholders for: {', '.join(missing)} "
            "(set them with FLASK_OPERATOR__<name>=...)")


def startup_warning() -> str | None:
    """The operator warning for the settings in the environment (gunicorn's on_starting hook, in the master), or
    None; a wrong setting is not reported here: each worker refuses to start and names it (wsgi.py)."""
    settings = config.from_environment()
    if config.problems(settings):
        return None
    config.resolve(settings)
    return warning(settings)


def init_app(app: Flask) -> None:
    """Check the dates at start (config.validate names a wrong one first, without a traceback)."""
    for key in DATES:
        try:
            date_setting(app.config, key)
        except ValueError:
            raise ValueError(f"OPERATOR[{key!r}] must be an ISO date like 2026-11-26") from None
