"""``opendcc duis``: DUIS messages: parse, build, validate, sign and verify."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="DUIS messages: parse, build, validate, sign and verify.", no_args_is_help=True
)
