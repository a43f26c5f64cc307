"""``opendcc gbcs``: GBCS messages: decode and encode."""

from __future__ import annotations

import typer

app = typer.Typer(help="GBCS messages: decode and encode.", no_args_is_help=True)
