"""``opendcc correlate``: does a Pre-Command (or the CV 4 answer carrying it) do exactly what
a critical Service Request asks? Exit 0 when it does, 1 with the difference when not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from opendcc.correlate import DeviceFacts


def correlate(
    request: Annotated[Path, typer.Argument(help="The critical DUIS Service Request (XML).")],
    pre_command: Annotated[
        str,
        typer.Argument(
            metavar="PRECOMMAND_OR_RESPONSE",
            help="The Pre-Command (GBCS hex or binary) or the DUIS response carrying it; "
            "- reads standard input.",
        ),
    ],
    at: Annotated[
        str | None,
        typer.Option(
            help="When the Pre-Command was issued (ISO 8601; default: a response's "
            "ResponseDateTime, else now)."
        ),
    ] = None,
    tolerance: Annotated[
        float, typer.Option(help="Seconds the DCC's time of transformation may differ from it.")
    ] = 3600.0,
    any_time: Annotated[
        bool, typer.Option("--any-time", help="Accept any DCC time (archived Pre-Commands).")
    ] = False,
    role: Annotated[str | None, typer.Option(help="The User Role (IS, GS, ED...).")] = None,
    device: Annotated[
        list[str] | None,
        typer.Option(
            "--device",
            help="A Device you know: EUI=TYPE[,GBCS version]; repeatable "
            "(the target, a join partner).",
        ),
    ] = None,
    keys: Annotated[
        list[Path] | None,
        typer.Option("--keys", help="Device certificates (join partners' KA certificates)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
) -> None:
    """Check that the Pre-Command the DCC returned for REQUEST is the request's own
    transform, allowing only the DCC's time of transformation; print the first difference."""
    from opendcc.correlate import correlate as check  # noqa: PLC0415
    from opendcc.correlate import correlate_response  # noqa: PLC0415
    from opendcc.duis.messages import ServiceRequest, ServiceResponse, parse_message  # noqa: PLC0415
    from opendcc.parse.cli import load_keys, read_input  # noqa: PLC0415
    from opendcc.roles import UserRole  # noqa: PLC0415

    parsed = parse_message(read_input(str(request)))
    if not isinstance(parsed, ServiceRequest):
        _fail(f"{request}: not a DUIS Service Request: {parsed}")
    try:
        user_role = UserRole.parse(role) if role else None
        when = _instant(at) if at else None
    except ValueError as exc:
        _fail(str(exc))
    facts = _facts(device, load_keys(keys))
    limit = None if any_time else timedelta(seconds=tolerance)
    data = read_input(pre_command)
    if data.lstrip().startswith(b"<"):
        answer = parse_message(data)
        if not isinstance(answer, ServiceResponse):
            _fail(f"{pre_command}: not a DUIS response: {answer}")
        if when is not None:
            payload = answer.gbcs_payload()
            if not isinstance(payload, bytes):
                _fail(f"{pre_command}: the response carries no readable GBCSPayload")
            verdict = check(parsed, payload, user_role, at=when, clock_tolerance=limit,
                            devices=facts)  # fmt: skip
        else:
            verdict = correlate_response(parsed, answer, user_role, clock_tolerance=limit,
                                         devices=facts)  # fmt: skip
    else:
        verdict = check(parsed, _gbcs(data), user_role, at=when, clock_tolerance=limit,
                        devices=facts)  # fmt: skip
    if as_json:
        typer.echo(json.dumps(verdict.to_json(), indent=2))
    elif verdict:
        filled = "".join(f"\n  DCC filled in {f.field} = {f.value}" for f in verdict.dcc_filled)
        typer.echo(f"correlates: {verdict.use_case} ({verdict.device_type}){filled}")
    else:
        typer.echo(f"does not correlate: {verdict.difference}")
    raise typer.Exit(0 if verdict else 1)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _instant(text: str) -> datetime:
    """``--at``: an ISO 8601 time (UTC when it has no zone); ValueError naming the option."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--at: not an ISO 8601 date and time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _gbcs(data: bytes) -> bytes:
    stripped = data.strip()
    try:
        return bytes.fromhex(stripped.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return data


def _facts(devices: list[str] | None, keystore: object) -> DeviceFacts | None:
    from opendcc.correlate import DeviceFacts  # noqa: PLC0415
    from opendcc.eui import Eui64  # noqa: PLC0415
    from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus  # noqa: PLC0415
    from opendcc.smki.keystore import Keystore  # noqa: PLC0415

    if not devices and keystore is None:
        return None
    known = []
    for item in devices or []:
        eui_text, _, rest = item.partition("=")
        kind, _, version = rest.partition(",")
        try:
            known.append(
                Device(
                    Eui64.parse(eui_text.strip()),
                    DeviceType(kind.strip().upper()),
                    SmiStatus.COMMISSIONED,
                    datetime(2000, 1, 1, tzinfo=UTC),
                    CspRegion.CENTRAL,
                    gbcs_version=version.strip() or "4.1",
                )
            )
        except ValueError as exc:
            _fail(f"--device {item}: {exc} (EUI=TYPE[,GBCS version], TYPE one of "
                  f"{', '.join(t.value for t in DeviceType)})")  # fmt: skip
    return DeviceFacts.of(known, keystore=keystore if isinstance(keystore, Keystore) else None)
