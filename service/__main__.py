"""`herne ...` (installed with the package) or `python -m service ...`: the service's flask commands, without
`--app wsgi` and whichever `flask` is first on PATH."""
from __future__ import annotations

from flask.cli import FlaskGroup

from . import create_app

cli = FlaskGroup(name="herne", create_app=lambda: create_app(),
                 help="The commands of Herne's education pages service (i18n, mt, audio, voices, users, db, ...).")


def main() -> None:
    """Run the command line."""
    cli.main(prog_name="herne")


if __name__ == "__main__":
    main()
