"""gunicorn settings of scripts/serve.sh: async (gevent) workers, so that slow clients cannot occupy every worker.

Measured with bench/bench_slow_clients.py (README, Security): with sync or gthread workers, ten
sockets dripping a request body make /ping time out; gevent workers read each request in a
greenlet of their own and keep answering. WORKER_CLASS=gthread is the choice behind nginx
(which buffers request bodies) and with the MT extra, whose translation would hold a gevent worker.
"""
import os

worker_class = os.environ.get("WORKER_CLASS", "gevent")
workers = int(os.environ.get("WORKERS", "2"))
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))  # gevent: open connections per worker
threads = int(os.environ.get("THREADS", "4"))  # gthread: threads per worker
timeout = 60
graceful_timeout = 10
# X-Forwarded-* and SCRIPT_NAME headers count only through the app's PROXY_FIX setting, never because a
# client connects from loopback (gunicorn's default trusts 127.0.0.1).
forwarded_allow_ips = ""


def post_worker_init(worker) -> None:
    """In each worker, once the app is loaded: its voices load in the background (service.tts.preload)."""
    from service.tts import preload

    preload(worker.wsgi)


def on_starting(server) -> None:
    """Once per start, in the master: warn about operator settings still unset (`flask check` lists them too)."""
    from service.operator_settings import startup_warning

    warning = startup_warning()
    if warning:
        server.log.warning(warning)


# gunicorn 27 opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl): a second instance on the
# host would take it over, and gunicornc would then steer the wrong one. Nothing here uses it.
control_socket_disable = True
