"""The ``opendcc`` command line.

Each package owns its command group in its own ``cli.py`` (``opendcc duis ...`` lives in
``opendcc/duis/cli.py``); this module only assembles them. Group modules import their
heavy dependencies inside the command functions so that ``opendcc --help`` stays fast.
"""

from __future__ import annotations

import typer

from opendcc import __version__
from opendcc.benchmark.cli import bench
from opendcc.client.cli import demo, send, utrn
from opendcc.correlate.cli import correlate
from opendcc.duis.cli import app as duis_app
from opendcc.estate.cli import app as estate_app
from opendcc.gbcs.cli import app as gbcs_app
from opendcc.hub.cli import serve
from opendcc.parse.cli import parse
from opendcc.sec.cli import app as sec_app
from opendcc.smki.cli import app as pki_app
from opendcc.transform.cli import transform

app = typer.Typer(
    name="opendcc",
    help="An open DCC hub: DUIS, GBCS and SMKI tools, the simulated estate and the SEC rules.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(duis_app, name="duis")
app.add_typer(estate_app, name="estate")
app.add_typer(gbcs_app, name="gbcs")
app.add_typer(pki_app, name="pki")
app.add_typer(sec_app, name="sec")
app.command()(serve)
app.command()(bench)
app.command()(send)
app.command()(utrn)
app.command()(demo)
app.command()(parse)
app.command()(correlate)
app.command()(transform)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"opendcc {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """An open DCC hub: DUIS, GBCS and SMKI tools, the simulated estate and the SEC rules."""


def main() -> None:
    app()
