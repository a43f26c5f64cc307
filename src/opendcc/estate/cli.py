"""``opendcc estate``: seed and inspect the simulated estate (inventory, registrations, Users).

Commands: ``seed`` (a demo estate of N premises, or the reference estate the DUIS templates
address) and ``show`` (what a database holds). The database is ``--db``, else the
``OPENDCC_DB`` setting, else ``opendcc.db`` in the current directory. Heavy imports happen
inside the commands so ``opendcc --help`` stays fast.
"""

# PLC0415: imports sit inside the commands on purpose (see the module docstring).
# B008: typer declares parameters by calling typer.Option in their defaults.
# ruff: noqa: PLC0415, B008

from __future__ import annotations

import enum
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import typer

from opendcc.cli_checks import opendcc_database_problem, sqlite_problem

app = typer.Typer(
    help="The simulated estate: Smart Metering Inventory, registration data and DCC Users.",
    no_args_is_help=True,
)


class EstateName(enum.StrEnum):
    DEMO = "demo"
    RTDS = "rtds"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


def _database_path(db: Path | None) -> Path:
    from opendcc.config import setting

    if db is not None:
        return db
    configured = setting("db")
    return Path(configured) if configured else Path("opendcc.db")


def _as_of(text: str | None) -> datetime:
    from opendcc.estate.demo import DEFAULT_AS_OF

    if not text:
        return DEFAULT_AS_OF
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"--as-of {text!r} is not an ISO date (e.g. 2025-01-01)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@app.command()
def seed(
    estate: EstateName = typer.Option(
        EstateName.DEMO, "--estate", help="demo: N generated premises; rtds: the reference one."
    ),
    premises: int = typer.Option(1_000, "--premises", "-n", min=0, help="Demo premises."),
    db: Path | None = typer.Option(None, "--db", help="SQLite database file (created)."),
    seed_value: int = typer.Option(0, "--seed", help="Random seed: same seed, same estate."),
    pki: Path | None = typer.Option(
        None, "--pki", help="A PKI folder from 'opendcc pki init': its index.json gives the Users."
    ),
    keys: list[Path] = typer.Option(
        [], "--keys", help="rtds: keystore(s) whose certificates to list for the Users."
    ),
    callback_url: str | None = typer.Option(
        None, "--callback-url", help="Receive Response Service URL given to every User."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Demo: every date falls before this (default 2025-01-01)."
    ),
) -> None:
    """Seed a demo estate of N premises, or the reference (rtds) estate, into a database."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from opendcc.estate import rules
    from opendcc.estate.demo import DemoSettings
    from opendcc.estate.pki_index import PkiIndexError
    from opendcc.estate.seed import SeedError, demo_cast, seed_demo, seed_rtds
    from opendcc.smki.keystore import Keystore
    from opendcc.smki.loading import KeyMaterialError
    from opendcc.store.database import Database, StoreError
    from opendcc.store.estate import ESTATE_SCHEMA, open_estate

    if callback_url is not None and (problem := rules.check_callback_url(callback_url)):
        raise _fail(str(problem))
    path = _database_path(db)
    if (unusable := sqlite_problem(path, must_exist=False)) is not None:
        raise _fail(unusable)
    for key_path in keys:
        if not key_path.exists():
            raise _fail(f"--keys {key_path} does not exist")
    try:
        settings = DemoSettings(premises, seed=seed_value, as_of=_as_of(as_of))
        cast = demo_cast(pki, settings.as_of, callback_url) if estate is EstateName.DEMO else None
        keystore = Keystore.load(*keys) if keys else None
    except (ValueError, PkiIndexError, KeyMaterialError, OSError) as exc:
        raise _fail(str(exc)) from None
    if keystore is not None and not len(keystore):
        raise _fail(f"--keys {', '.join(map(str, keys))}: no keys or certificates there")
    try:
        with Database(path, parts=list(ESTATE_SCHEMA)) as database:
            stores = open_estate(database)
            if cast is None:
                report = seed_rtds(stores, keystore=keystore, callback_url=callback_url)
            else:
                for warning in cast.warnings:
                    typer.echo(f"warning: {warning}", err=True)
                with Progress(
                    "[progress.description]{task.description}",
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    transient=True,
                ) as bar:
                    task = bar.add_task("premises", total=premises)
                    report = seed_demo(
                        stores,
                        settings,
                        cast,
                        progress=lambda done: bar.update(task, completed=done),
                    )
    except (SeedError, StoreError, sqlite3.Error) as exc:
        raise _fail(f"{path}: {exc}") from None
    size = path.stat().st_size / 1e6
    if report.skipped:
        typer.echo(f"{path}: the rtds estate was already there; Users brought up to date")
        return
    demo = report.estate == "demo"
    rate = report.premises / report.seconds if demo and report.seconds else 0.0
    typer.echo(
        f"{path}: {report.estate} estate, {report.premises} premises, {report.devices} devices,"
        f" {report.registrations} registrations, {report.users} Users;"
        f" {report.rows} rows in {report.seconds:.1f} s"
        + (f" ({rate:,.0f} premises/s)" if rate else "")
        + f"; {size:.1f} MB"
    )


@app.command()
def show(
    db: Path | None = typer.Option(None, "--db", help="SQLite database file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """What a database's estate holds: premises, Devices by type, status and region, Users."""
    from rich.console import Console
    from rich.table import Table

    from opendcc.store.database import Database, StoreError
    from opendcc.store.estate import ESTATE_SCHEMA, open_estate

    path = _database_path(db)
    if (problem := opendcc_database_problem(path, [p.name for p in ESTATE_SCHEMA])) is not None:
        raise _fail(problem)
    try:
        with Database(path, parts=list(ESTATE_SCHEMA)) as database:
            stores = open_estate(database)
            counts = stores.counts()
            users = stores.users.list_users()
    except (StoreError, sqlite3.Error) as exc:
        raise _fail(f"{path}: {exc}") from None
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "premises": counts.premises,
                    "devices": counts.devices,
                    "registrations": counts.registrations,
                    "status_changes": counts.status_changes,
                    "by_type": counts.by_type,
                    "by_status": counts.by_status,
                    "by_region": counts.by_region,
                    "users": [
                        {
                            "eui": str(u.eui),
                            "name": u.name,
                            "roles": sorted(r.value for r in u.roles),
                            "status": u.status.value,
                        }
                        for u in users
                    ],
                },
                indent=2,
            )
        )
        return
    console = Console()
    console.print(
        f"{path}: {counts.premises} premises, {counts.devices} devices,"
        f" {counts.registrations} registrations, {counts.status_changes} status changes"
    )
    for title, values in (
        ("Devices by type", counts.by_type),
        ("by SMI status", counts.by_status),
        ("by CSP region", counts.by_region),
    ):
        table = Table(title=title)
        table.add_column("")
        table.add_column("count", justify="right")
        for key, value in values.items():
            table.add_row(key, f"{value:,}")
        console.print(table)
    table = Table(title="DCC Users")
    table.add_column("EUI", no_wrap=True)
    for column in ("name", "roles", "status", "callback URL"):
        table.add_column(column)
    for user in users:
        table.add_row(
            str(user.eui),
            user.name,
            ",".join(sorted(r.value for r in user.roles)) or "-",
            user.status.value,
            user.callback_url or "-",
        )
    console.print(table)
