"""``opendcc pki``: A test SMKI: certificate authority and keystores."""

from __future__ import annotations

import typer

app = typer.Typer(help="A test SMKI: certificate authority and keystores.", no_args_is_help=True)
