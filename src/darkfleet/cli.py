"""The ``darkfleet`` command line: thin commands over the Python API."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="darkfleet: find the ships that hide.")


def main() -> None:
    app()
