"""``opendcc parse``: a DUIS Response or Alert, or a GBCS message, as JSON or CSV."""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from opendcc.smki.keystore import Keystore


class OutputFormat(enum.StrEnum):
    JSON = "json"
    CSV = "csv"


def read_input(file: str) -> bytes:
    """The bytes of ``file`` (``-``: standard input); exits 1 saying why when unreadable."""
    try:
        if file == "-":
            return sys.stdin.buffer.read()
        return Path(file).read_bytes()
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None


def load_keys(keys: list[Path] | None) -> Keystore | None:
    """The User's keystore from the ``--keys`` folders (None without any)."""
    if not keys:
        return None
    from opendcc.smki.keystore import Keystore  # noqa: PLC0415

    for folder in keys:
        if not folder.exists():
            typer.echo(f"error: --keys {folder} does not exist", err=True)
            raise typer.Exit(1)
    store = Keystore.load(*keys)
    if not len(store):
        typer.echo(
            f"error: --keys {', '.join(map(str, keys))}: no keys or certificates there", err=True
        )
        raise typer.Exit(1)
    return store


def parse(
    file: Annotated[
        str,
        typer.Argument(
            help="A DUIS Response/Alert (XML) or a GBCS message "
            "(hex or binary); - reads standard input."
        ),
    ],
    keys: Annotated[
        list[Path] | None,
        typer.Option(
            "--keys",
            help="The User's keys (DCC Boxed layout, PKI folder or GBCS "
            "keystore) and Device certificates; repeatable.",
        ),
    ] = None,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="json: the whole record; csv: profile and log entries, one row per value.",
        ),
    ] = OutputFormat.JSON,
) -> None:
    """Parse FILE into a user-friendly record: header facts, the response code's meaning, the
    decoded GBCS with MAC and signature checked and named values in user units."""
    from opendcc.parse import ParseError, Parser, to_csv  # noqa: PLC0415

    data = read_input(file)
    parser = Parser(load_keys(keys))
    try:
        record = parser.parse(data)
    except ParseError as exc:
        typer.echo(f"error: {file}: {exc}", err=True)
        raise typer.Exit(1) from None
    if output is OutputFormat.CSV:
        typer.echo(to_csv(record), nl=False)
        return
    typer.echo(json.dumps(record.to_json(), indent=2, ensure_ascii=False))
