"""service.machine: the MT service built from config and hooked into i18n as a fallback."""
from __future__ import annotations

from service import create_app, machine
from service.mt import ArgosEngine


def test_init_app_hooks_mt_into_i18n_with_the_apps_locks(mt_app):
    """One fallback, one locale provider and one revision provider; the engine and locks come from the app."""
    i18n = mt_app.extensions["i18n"]
    assert len(i18n.fallbacks) == len(i18n.locale_providers) == 1
    mine = [p for p in i18n.revision_providers if p.__module__ == "service.machine"]
    assert len(mine) == 1 and len(i18n.revision_providers) == 3  # the others: the live notices, the content
    service = mt_app.extensions["mt"]
    assert isinstance(service.engine, ArgosEngine) and service.locks is mt_app.extensions["locks"]
    assert "fr" in i18n.available_locales()  # reachable through the tiny de->en->fr models
    with mt_app.app_context():
        assert machine.get_mt() is service


def test_mt_switched_off_registers_nothing(app_config):
    """MT_ENABLED false: no service, no hooks; the notice helper answers None."""
    app = create_app({**app_config, "MT_ENABLED": False})
    assert "mt" not in app.extensions and not app.extensions["i18n"].fallbacks
    with app.test_request_context("/de/"):
        context = {}
        for processor in app.template_context_processors[None]:
            context.update(processor())
        assert context["mt_failure"]("fr") is None
