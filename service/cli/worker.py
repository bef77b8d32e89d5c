"""`flask worker`: run an RQ worker for synthesis and machine translation, on any machine that reaches Redis."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..jobs import QUEUES, get_jobs, make_worker


@click.command("worker")
@click.option("--name", default=None, help="The worker's name in Redis (default: host and process id).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty instead of waiting for more work.")
@with_appcontext
def worker_command(name: str | None, burst: bool) -> None:
    """Work the job queues (interactive first, then bulk) until stopped; needs REDIS_URL."""
    if get_jobs() is None:
        raise click.ClickException("no job queue: set FLASK_REDIS_URL (without it, work runs inside the app)")
    click.echo(f"worker on {', '.join(QUEUES)}")
    make_worker(name).work(burst=burst, logging_level="INFO")
