"""gunicorn settings of one app server behind nginx: ``gunicorn --config deploy/gunicorn.conf.py --bind ADDR wsgi:app``.

nginx buffers every request and response (deploy/nginx/herne-proxy.conf), so a worker is busy only
while the app works, never while a slow client sends or reads. Settings given on the command line
(``--bind``, ``--workers``, ``--forwarded-allow-ips``) win over this file.
"""
from __future__ import annotations

import multiprocessing

#: The systemd unit passes --bind; this is the address of a single-host install.
bind = "127.0.0.1:8001"

# Threads let one process serve a page while another thread waits on a synthesis or a translation
# lock; a few processes use both cores (the page cache and the catalogs are per process).
worker_class = "gthread"
workers = multiprocessing.cpu_count() + 1
threads = 4
# nginx keeps connections to the app servers open (upstream keepalive): keep them a little longer.
keepalive = 75

# A cold page can wait for machine translation or synthesis; beyond this a worker is stuck and restarted.
timeout = 120
graceful_timeout = 30

# Trust X-Forwarded-Proto only from nginx (the systemd unit passes --forwarded-allow-ips), and only that
# header: a client cannot make a request look like HTTPS, or contradict nginx, with X-Forwarded-Ssl.
forwarded_allow_ips = "127.0.0.1"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Request limits at the app server too (nginx enforces the body size, see client_max_body_size).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Logs go to the journal through stderr; nginx keeps the access log.
accesslog = None
errorlog = "-"
loglevel = "info"
proc_name = "herne-app"


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


# gunicorn 27 opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl, or $XDG_RUNTIME_DIR): a
# second app server of the same user on the host (a second instance, a test run) would take it over. systemd
# steers the server (reload, stop), so there is none; `--control-socket PATH` with a path per instance and
# `control_socket_disable = False` bring it back where gunicornc is wanted.
control_socket_disable = True
