"""``opendcc send``: sign a DUIS request as a User, send it, print every answer."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer


def send(
    file: Annotated[Path, typer.Argument(help="A DUIS request (e.g. a reference template).")],
    as_user: Annotated[str, typer.Option("--as", help="User name (demo PKI) or EUI-64.")],
    hub: Annotated[str, typer.Option(help="The hub's DUIS base URL.")] = "http://127.0.0.1:8079",
    data: Annotated[Path, typer.Option(help="The hub's data directory (its PKI).")] = Path(
        "var/opendcc"
    ),
    boxed_keys: Annotated[
        Path | None, typer.Option(help="DCC Boxed keys instead of a PKI.")
    ] = None,
    target: Annotated[str | None, typer.Option(help="Send to this Device instead.")] = None,
    keep_counter: Annotated[bool, typer.Option(help="Keep the file's RequestID counter.")] = False,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for asynchronous answers.", min=0.0)
    ] = 15.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ca: Annotated[
        Path | None, typer.Option(help="TLS root to trust for an https hub (DATA/tls/ca.pem).")
    ] = None,
    local: Annotated[
        bool,
        typer.Option(
            "--local",
            help="Local delivery: send CV 1 as CV 2, return a CV 4 Pre-Command as CV 6.",
        ),
    ] = False,
    via: Annotated[
        str | None,
        typer.Option(
            help="The ESME a 7.13 to an HCALCS goes through (when its premises has several).",
        ),
    ] = None,
) -> None:
    """Sign FILE as a User, send it (with the CV 4/5 round for critical requests) and print
    the synchronous answer and the asynchronous response delivered to the User.

    A LocalCommand answer (CV 2, or CV 6 after the round; --local asks for one) is carried
    to the hub's simulated hand-held terminal, which runs it on the Device, and the
    Device's Response is returned to the DCC with 8.13: each step is printed.

    A critical 8.7.1 join first looks its partner Device up (8.2 Read Inventory, the SMKI
    service on the hub's port + 4) so that its Pre-Command can be correlated.

    A critical 7.13 addressed to an HCALCS goes to the ESME the HCALCS is joined to: the
    target and the ESMEs at its premises are looked up (8.2 by DeviceID, then by UPRN);
    when there are several, name the ESME with --via, which the Pre-Command must target."""
    from opendcc.cli_checks import http_url_problem  # noqa: PLC0415
    from opendcc.client.run import SendError, run_send  # noqa: PLC0415

    if (problem := http_url_problem(hub, "--hub")) is not None:
        raise typer.BadParameter(problem)
    try:
        report = asyncio.run(
            run_send(
                file,
                as_user,
                hub=hub,
                data=data,
                boxed_keys=boxed_keys,
                target=target,
                keep_counter=keep_counter,
                wait=wait,
                ca=ca,
                local=local,
                via=via,
            )
        )
    except SendError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
        return
    _print(report)


def _print(report: dict[str, Any]) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    console = Console()
    table = Table(title=f"{report['variant']} {report['request_id']}")
    for column in ("step", "HTTP", "code", "detail"):
        table.add_column(column)
    for step in report["steps"]:
        table.add_row(
            step["step"],
            str(step.get("http", "")),
            step.get("code") or "",
            step.get("detail") or "",
        )
    console.print(table)
    for value in report.get("values", []):
        console.print_json(json.dumps(value, default=str))


def demo(
    port: Annotated[
        int, typer.Option(help="Port for the demo hub (SMKI on port+4).", min=1, max=65531)
    ] = 8079,
    data: Annotated[Path | None, typer.Option(help="Keep the demo's data here.")] = None,
    premises: Annotated[int, typer.Option(help="Premises in the demo estate.", min=1)] = 12,
) -> None:
    """Seed a small estate, start the hub and play a signed supplier/network operator
    conversation against it; print what each User saw."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from opendcc.cli_checks import local_hub_problem  # noqa: PLC0415
    from opendcc.client.demo import play  # noqa: PLC0415

    problem = local_hub_problem(data, port)
    if problem is not None:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)
    lines = asyncio.run(play(data, port, premises))
    table = Table(title="opendcc demo: what each DCC User saw")
    for column in ("User", "request", "synchronous answer", "final", "detail", "ms"):
        table.add_column(column)
    for line in lines:
        table.add_row(line.user, line.request, line.sync, line.final, line.detail, f"{line.ms:.0f}")
    Console().print(table)


def utrn(
    as_user: Annotated[str, typer.Option("--as", help="Supplier name (demo PKI) or EUI-64.")],
    device: Annotated[str, typer.Option(help="The Device's EUI-64 (ESME or GSME).")],
    amount: Annotated[int, typer.Option(help="Credit in pence (above 8191: whole pounds).")],
    data: Annotated[Path, typer.Option(help="The hub's data directory (its PKI).")] = Path(
        "var/opendcc"
    ),
    hub: Annotated[
        str, typer.Option(help="The hub's DUIS base URL (its SMKI service: port + 4).")
    ] = "http://127.0.0.1:8079",
    boxed_keys: Annotated[
        Path | None, typer.Option(help="DCC Boxed keys instead of a PKI.")
    ] = None,
    counter: Annotated[
        int | None, typer.Option(help="Use this UTRN counter (a multiple of 2**32).")
    ] = None,
    request: Annotated[
        Path | None,
        typer.Option(
            help="Also write the 2.2 Top Up Device request here (send it with "
            "opendcc send FILE --as USER --keep-counter)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ca: Annotated[
        Path | None, typer.Option(help="TLS root to trust for an https hub (DATA/tls/ca.pem).")
    ] = None,
) -> None:
    """Make a prepayment top-up UTRN (GBCS 14) as a Supplier for a Device and print it.

    The 2.2 Top Up Device request must carry the UTRN's counter as its RequestID counter
    (printed on stderr; --request writes the whole request)."""
    from opendcc.cli_checks import http_url_problem, writable_directory_problem  # noqa: PLC0415
    from opendcc.client.utrn import (  # noqa: PLC0415
        TopUpError,
        check_counter,
        run_utrn,
        value_of,
    )
    from opendcc.duis.build import to_bytes  # noqa: PLC0415

    if (problem := http_url_problem(hub, "--hub")) is not None:
        raise typer.BadParameter(problem)
    # What needs no hub is checked before the hub is asked anything (GBCS 14.2: the value
    # and its class, the counter a positive multiple of 2**32).
    try:
        value_of(amount)
        if counter is not None:
            check_counter(counter)
    except TopUpError as exc:
        raise typer.BadParameter(str(exc)) from None
    if request is not None:
        unusable = (
            f"{request} is a directory"
            if request.is_dir()
            else writable_directory_problem(request.parent)
        )
        if unusable is not None:
            raise typer.BadParameter(f"--request: {unusable}")
    try:
        top_up = asyncio.run(
            run_utrn(
                as_user,
                device,
                amount,
                data=data,
                hub=hub,
                boxed_keys=boxed_keys,
                counter=counter,
                ca=ca,
            )
        )
        if request is not None:
            request.write_bytes(to_bytes(top_up.request()))
    except (TopUpError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        document = {
            "utrn": top_up.utrn,
            "supplier": str(top_up.supplier),
            "device": str(top_up.device),
            "counter": top_up.counter,
            "request_id": str(top_up.request_id),
            "value": top_up.value,
            "value_class": top_up.value_class.name.lower(),
            "pence": top_up.pence,
        }
        typer.echo(json.dumps(document, indent=2))
        return
    typer.echo(top_up.utrn)
    typer.echo(
        f"{top_up.pence}p for {top_up.device} from {top_up.supplier}; send it in 2.2 Top Up "
        f"Device with RequestID {top_up.request_id}",
        err=True,
    )
