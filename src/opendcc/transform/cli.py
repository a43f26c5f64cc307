"""``opendcc transform``: the GBCS Command (or, for a critical request, the Pre-Command) the
DCC makes of a DUIS Service Request, printed as hex.

The transform needs what the DCC knows of the target Device: its type and GBCS version
(``--device EUI=TYPE[,VERSION]``, repeatable for join partners) and an ESME's variant;
without them the most common Device the variant applies to is assumed (as ``opendcc
correlate`` does). A non-critical Command is MACed, so it needs a keystore holding the
originator's Key Agreement key (``--keystore``, any layout ``Keystore.load`` reads); a
Pre-Command carries no protection and needs none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer


def transform(
    request: Annotated[Path, typer.Argument(help="The DUIS Service Request (XML); - for stdin.")],
    device: Annotated[
        list[str] | None,
        typer.Option("--device", help="A Device the DCC knows: EUI=TYPE[,GBCS version]."),
    ] = None,
    keys: Annotated[
        list[Path] | None,
        typer.Option("--keys", help="Device certificates (a join partner's KA certificate)."),
    ] = None,
    esme_variant: Annotated[
        str | None, typer.Option(help="The target ESME's variant (A, B, C, D).")
    ] = None,
    role: Annotated[str | None, typer.Option(help="The User Role (IS, GS, ED...).")] = None,
    at: Annotated[
        str | None, typer.Option(help="The DCC's time of transformation (ISO 8601; default now).")
    ] = None,
    keystore: Annotated[
        Path | None,
        typer.Option(help="Keys to MAC (and where a DCC party signs, sign) a Command with."),
    ] = None,
    dcc_counter: Annotated[
        int | None,
        typer.Option(help="The originator counter of a DCC party (default: the RequestID's)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Print the GBCS Command (Pre-Command for a critical request) REQUEST transforms to."""
    from datetime import UTC, datetime  # noqa: PLC0415

    from opendcc.correlate.cli import _facts, _instant  # noqa: PLC0415
    from opendcc.correlate.devices import ProbeView  # noqa: PLC0415
    from opendcc.correlate.expected import profiles, roles_for  # noqa: PLC0415
    from opendcc.duis.command_variant import CommandVariant  # noqa: PLC0415
    from opendcc.duis.messages import ServiceRequest, parse_message  # noqa: PLC0415
    from opendcc.gbcs.context import GbcsEncodeError  # noqa: PLC0415
    from opendcc.gbcs.security import GbcsSecurity  # noqa: PLC0415
    from opendcc.parse.cli import load_keys, read_input  # noqa: PLC0415
    from opendcc.roles import UserRole  # noqa: PLC0415
    from opendcc.smki.keystore import Keystore  # noqa: PLC0415
    from opendcc.transform import catalogue  # noqa: F401, PLC0415  (loads every family)
    from opendcc.transform.registry import (  # noqa: PLC0415
        CommandSpec,
        TransformInput,
        build_command,
        is_pre_command,
    )
    from opendcc.transform.registry import transform as run_transform  # noqa: PLC0415

    parsed = parse_message(read_input(str(request)))
    if not isinstance(parsed, ServiceRequest):
        _fail(f"{request}: not a DUIS Service Request: {parsed}")
    try:
        user_role = UserRole.parse(role) if role else None
        now = _instant(at) if at else datetime.now(UTC)
    except ValueError as exc:
        _fail(str(exc))
    if esme_variant is not None and esme_variant.strip().upper() not in _ESME_VARIANTS:
        _fail(f"--esme-variant: one of {', '.join(_ESME_VARIANTS)}, not {esme_variant!r}")
    if keystore is not None and not keystore.exists():
        _fail(f"--keystore {keystore} does not exist")
    facts = _facts(device, load_keys(keys))
    header = parsed.header
    rid = header.request_id
    refusals: list[str] = []
    spec: CommandSpec | None = None
    for profile in profiles(parsed, facts):
        variant = esme_variant.strip().upper() if esme_variant is not None else profile.esme_variant
        for user_role_ in roles_for(parsed, user_role):
            result = run_transform(
                TransformInput(
                    variant=header.variant.code,
                    body=parsed.body,
                    originator=rid.originator,
                    target=rid.target,
                    counter=rid.counter,
                    device=profile.device,
                    role=user_role_,
                    now=now,
                    execution_at=parsed.execution_datetime,
                    inventory=ProbeView(facts, rid.target, variant),
                    dcc_counter=None if dcc_counter is None else (lambda _party: dcc_counter),
                )
            )
            if isinstance(result, CommandSpec):
                spec = result
                break
            refusals.append(f"{profile.label} as {user_role_.value}: {result.code} {result.reason}")
        if spec is not None:
            break
    if spec is None:
        _fail("the request does not transform: " + "; ".join(refusals[:5]))
    critical = is_pre_command(spec, header.command_variant is CommandVariant.CRITICAL_TRANSFORM)
    if not critical and keystore is None:
        _fail("a non-critical Command is MACed: give --keystore with the originator's key")
    try:
        security = None if keystore is None else GbcsSecurity(Keystore.load(keystore))
        built = build_command(
            spec,
            originator=rid.originator,
            counter=rid.counter,
            critical_variant=header.command_variant is CommandVariant.CRITICAL_TRANSFORM,
            security=security,
        )
    except (GbcsEncodeError, KeyError, LookupError, ValueError) as exc:
        _fail(f"the {'Pre-Command' if critical else 'Command'} cannot be built: {exc}")
    if as_json:
        document = {
            "kind": "pre-command" if built.pre_command else "command",
            "use_case": spec.use_case,
            "message_code": f"{spec.message_code:04X}",
            "originator": str(built.originator),
            "recipient": str(spec.recipient),
            "counter": built.counter,
            "hex": built.message.hex().upper(),
        }
        typer.echo(json.dumps(document, indent=2))
    else:
        typer.echo(built.message.hex().upper())


_ESME_VARIANTS = ("A", "B", "C", "D")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)
