"""create_app wires explicit services: each subsystem gets what it needs as arguments, in the only order possible."""
from __future__ import annotations

import pytest

from service import Services, get_services, jobs
from service.core.locks import FileLocks
from service.pagecache import PageFront


def _front(app) -> PageFront:
    """The page front in the app's WSGI middleware chain."""
    layer = app.wsgi_app
    while not isinstance(layer, PageFront):
        layer = getattr(layer, "app", None) or layer.wsgi_app
    return layer


def test_every_service_is_built_once_and_typed(app):
    """The services object names every subsystem; what the old string keys hold is the same object."""
    services = get_services(app)
    assert isinstance(services, Services)
    assert services.i18n is app.extensions["i18n"] and services.tts is app.extensions["tts"]
    assert services.audio is app.extensions["audio_cache"] and services.db is app.extensions["db"]
    assert services.shared.locks is app.extensions["locks"]
    assert services.jobs is None and services.shared.redis is None  # the embedded set-up


def test_both_page_caches_key_on_the_one_revision_of_a_page(app):
    """PageFront and PageCache depend on I18n.revision alone, which folds catalogs, content, live notices and MT in."""
    services = get_services(app)
    assert _front(app).revision == services.i18n.revision
    providers = {provider.__module__ for provider in services.i18n.revision_providers}
    assert providers == {"service.content", "service.notices", "service.machine"}
    assert services.pagecache.clear in services.i18n.change_listeners


def test_the_job_queue_takes_what_it_routes_as_arguments(app):
    """Without Redis there is no queue; a queue over file locks (one host's) is refused, not silently half-made."""
    assert jobs.init_app(app, None, FileLocks(app.config["LOCK_DIR"]), None) is None
    with pytest.raises(TypeError):
        jobs.init_app(app, object(), FileLocks(app.config["LOCK_DIR"]), None)  # type: ignore[arg-type]
