"""``opendcc serve``: run the hub."""

from __future__ import annotations

import asyncio
import gc
import logging
from pathlib import Path
from typing import Annotated

import typer

from opendcc.eui import Eui64


def _callbacks(values: list[str]) -> dict[Eui64, str]:
    found: dict[Eui64, str] = {}
    for value in values:
        eui, sep, url = value.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            raise typer.BadParameter(f"--callback takes EUI=URL, got {value!r}")
        try:
            found[Eui64.parse(eui.strip())] = url.strip()
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    return found


_LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def _check_start(data: Path, estate: str, host: str, port: int) -> None:
    """Refuse, before anything is written, a start that cannot succeed: a data directory
    that is not one (or not writable), ``--estate existing`` with no estate there, a port
    (DUIS or SMKI, port + 4) something else listens on. Exit 2 with the reason."""
    from opendcc.cli_checks import data_directory_problem, port_problem  # noqa: PLC0415

    problem = data_directory_problem(data)
    if problem is None and estate == "existing" and not (data / "hub.sqlite").is_file():
        problem = (
            f"--estate existing: no hub.sqlite in {data}; start once with --estate demo or rtds"
        )
    for number in (port, port + 4):
        if problem is None:
            problem = port_problem(host, number)
    if problem is not None:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)


def _check_tls(cert: Path, key: Path) -> None:
    """The TLS pair loads as the server will load it (PEM, a key matching the certificate)."""
    import ssl  # noqa: PLC0415

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as exc:
        raise typer.BadParameter(
            f"--tls-cert {cert} / --tls-key {key}: not a usable PEM certificate and key ({exc})"
        ) from None


def _check_schema(directory: Path) -> None:
    """The DUIS schema loads from ``directory`` (loaded once per directory, then cached)."""
    from opendcc.duis.errors import DuisError  # noqa: PLC0415
    from opendcc.duis.schema import load_schema  # noqa: PLC0415

    schema = load_schema(directory)
    if isinstance(schema, DuisError):
        raise typer.BadParameter(f"--schema-dir: {schema}")


def _issue_tls(directory: Path, host: str) -> tuple[Path, Path]:
    from datetime import UTC, datetime  # noqa: PLC0415

    from opendcc.smki.tls import TlsError, issue_server_certificate  # noqa: PLC0415

    if host in ("0.0.0.0", "::"):
        import socket  # noqa: PLC0415

        host = socket.gethostname()
    hosts = list(dict.fromkeys([host, "localhost", "127.0.0.1"]))
    try:
        files = issue_server_certificate(directory, hosts, datetime.now(UTC))
    except (TlsError, OSError) as exc:
        raise typer.BadParameter(f"--tls: {exc}") from None
    typer.echo(f"opendcc hub: TLS certificate for {', '.join(hosts)}; clients trust {files.ca}")
    return files.certificate, files.key


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(help="DUIS port; the SMKI service listens on port+4.", min=1, max=65531),
    ] = 8079,
    estate: Annotated[
        str, typer.Option(help="demo, rtds, or existing (what --data already holds).")
    ] = "demo",
    premises: Annotated[int, typer.Option(help="Premises in a new demo estate.", min=0)] = 20,
    data: Annotated[Path, typer.Option(help="Data directory (database, PKI).")] = Path(
        "var/opendcc"
    ),
    boxed_keys: Annotated[
        Path | None, typer.Option(help="DCC Boxed key folder (rtds).", exists=True)
    ] = None,
    keystore: Annotated[
        list[Path], typer.Option(help="Extra certificates and keys.", exists=True)
    ] = [],  # noqa: B006
    callback: Annotated[
        list[str], typer.Option(help="A User's Receive Response Service: EUI=URL.")
    ] = [],  # noqa: B006
    schema_dir: Annotated[
        Path | None,
        typer.Option(help="DUIS XSD folder: validate requests.", exists=True, file_okay=False),
    ] = None,
    tls_cert: Annotated[
        Path | None, typer.Option(help="TLS certificate (PEM).", exists=True, dir_okay=False)
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option(help="TLS private key (PEM).", exists=True, dir_okay=False)
    ] = None,
    tls: Annotated[
        bool,
        typer.Option(
            "--tls",
            help="Serve HTTPS with a certificate for --host issued from a test DCCKI root "
            "in DATA/tls (clients trust DATA/tls/ca.pem).",
        ),
    ] = False,
    wan_latency: Annotated[
        float, typer.Option(help="Simulated WAN round trip, seconds.", min=0.0)
    ] = 0.0,
    log_level: Annotated[str, typer.Option(help="debug, info, warning.")] = "info",
    admin_token: Annotated[
        str | None,
        typer.Option(
            envvar="OPENDCC_ADMIN_TOKEN",
            help="Bearer token the admin API requires. Without it the admin API is open on a "
            "loopback --host and needs the token in DATA/admin-token on any other.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start the hub: DUIS on PORT, the SMKI certificate service on PORT+4."""
    from opendcc.api.admin_auth import TOKEN_FILE, is_loopback  # noqa: PLC0415
    from opendcc.api.server import Tls, install_uvloop  # noqa: PLC0415
    from opendcc.hub.runtime import Hub, HubConfig, HubError  # noqa: PLC0415
    from opendcc.inventory.model import CspRegion  # noqa: PLC0415
    from opendcc.wan.network import RegionProfile, SmWan  # noqa: PLC0415

    if estate not in ("demo", "rtds", "existing"):
        raise typer.BadParameter("--estate is demo, rtds or existing")
    if log_level.lower() not in _LOG_LEVELS:
        raise typer.BadParameter(f"--log-level is one of {', '.join(_LOG_LEVELS)}")
    if estate == "rtds" and boxed_keys is None:
        raise typer.BadParameter("the rtds estate needs --boxed-keys (the DCC Boxed key folder)")
    callbacks = _callbacks(callback)
    if tls_cert is not None and tls_key is not None:
        _check_tls(tls_cert, tls_key)
    if schema_dir is not None:
        _check_schema(schema_dir)
    if (tls_cert is None) != (tls_key is None):
        raise typer.BadParameter("give both --tls-cert and --tls-key, or neither")
    if tls and tls_cert is not None:
        raise typer.BadParameter("give --tls or --tls-cert/--tls-key, not both")
    if admin_token is not None and not admin_token.strip():
        raise typer.BadParameter("the admin token is empty", param_hint="--admin-token")
    _check_start(data, estate, host, port)
    if tls:
        tls_cert, tls_key = _issue_tls(data / "tls", host)
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    wan = (
        SmWan({r: RegionProfile(floor_s=wan_latency) for r in CspRegion})
        if wan_latency
        else SmWan()
    )
    config = HubConfig(
        data_dir=data,
        host=host,
        port=port,
        estate=estate,
        premises=premises,
        boxed_keys=boxed_keys,
        keystores=tuple(keystore),
        callbacks=callbacks,
        schema_dir=schema_dir,
        wan=wan,
        log_level=log_level.lower(),
        tls=Tls(tls_cert, tls_key) if tls_cert and tls_key else None,
        admin_token=admin_token,
    )
    install_uvloop()

    hub = Hub(config)

    async def announce() -> None:
        # What start-up built (estate caches, keys, schemas) lives as long as the process:
        # keep it out of the collector's full passes, each of which otherwise stalls every
        # request in flight for tens of milliseconds (58 ms seen under the bench).
        gc.collect()
        gc.freeze()
        scheme = "https" if config.tls else "http"
        typer.echo(
            f"opendcc hub: DUIS {scheme}://{host}:{port}/api/v1/serviceS|T|D, "
            f"SMKI {scheme}://{host}:{port + 4}, admin {scheme}://{host}:{port}/docs"
        )
        if admin_token is None and not is_loopback(host):
            typer.echo(f"opendcc hub: the admin API needs the bearer token in {data / TOKEN_FILE}")
        elif admin_token is None:
            typer.echo("opendcc hub: the admin API is open to this machine only (loopback)")

    try:
        asyncio.run(hub.run(on_started=announce))
    except HubError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
