"""``opendcc sec``: The Smart Energy Code as code: evaluate rules and scenarios."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The Smart Energy Code as code: evaluate rules and scenarios.", no_args_is_help=True
)
