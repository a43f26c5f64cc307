"""``opendcc gbcs``: GBCS messages: decode and encode.

``opendcc gbcs decode HEX_OR_FILE [--keystore DIR]... [--acb-eui EUI]`` prints one JSON
object (docs/gbcs.md); ``opendcc gbcs encode FILE_OR_-`` reads that JSON and prints the
message as upper-case hex. Undecodable or unencodable input exits 1 with the reason on
stderr. The library modules are imported inside the commands so ``opendcc --help`` stays
fast.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64

if TYPE_CHECKING:
    from opendcc.gbcs.security import GbcsSecurity

app = typer.Typer(help="GBCS messages: decode and encode.", no_args_is_help=True)

_MAX_INPUT = 1 << 20
_HEX = re.compile(r"^(?:0[xX])?[0-9A-Fa-f\s]+$")

KeystoreOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--keystore",
        "-k",
        help="Keystore folder or file (repeatable): the GBCS reference layout, DCC Boxed, "
        "keystore.json.",
    ),
]
AcbOption = Annotated[
    str,
    typer.Option("--acb-eui", help="EUI of the Access Control Broker whose KA key MACs Commands."),
]


def read_message_bytes(source: str) -> bytes:
    """The message bytes from hex or base64 text, a file holding either, raw binary, or ``-``
    for standard input. Raises ValueError saying why it cannot."""
    data: bytes
    if source == "-":
        data = sys.stdin.buffer.read(_MAX_INPUT + 1)
    else:
        path = Path(source)
        try:
            is_file = len(source) < 4096 and path.is_file()
            if len(source) < 4096 and path.is_dir():
                raise ValueError(f"{source} is a directory, not a message or a file holding one")
        except OSError:
            is_file = False
        if is_file:
            if path.stat().st_size > _MAX_INPUT:
                raise ValueError(f"{source}: larger than {_MAX_INPUT} bytes")
            data = path.read_bytes()
        else:
            data = source.encode("utf-8", "replace")
    if len(data) > _MAX_INPUT:
        raise ValueError(f"input larger than {_MAX_INPUT} bytes")
    if data[:1] in (b"\xdd", b"\xdf", b"\xe0"):
        return data
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise ValueError("input is neither hex, base64 nor a binary GBCS message") from None
    if not text:
        raise ValueError("empty input")
    if _HEX.match(text):
        compact = re.sub(r"\s+", "", text)
        if compact[:2] in ("0x", "0X"):
            compact = compact[2:]
        if len(compact) % 2:
            raise ValueError("odd number of hex digits")
        return bytes.fromhex(compact)
    try:
        return base64.b64decode(re.sub(r"\s+", "", text), validate=True)
    except (binascii.Error, ValueError):
        if source != "-" and data == source.encode("utf-8", "replace"):
            raise ValueError(f"{source!r} is no file, and neither hex nor base64") from None
        raise ValueError("input is neither hex nor base64") from None


def _security(keystores: list[Path] | None, acb_eui: str) -> GbcsSecurity | None:
    from opendcc.gbcs.security import GbcsSecurity  # noqa: PLC0415 (lazy: keeps --help fast)
    from opendcc.smki.keystore import Keystore  # noqa: PLC0415 (lazy: keeps --help fast)

    try:
        acb = Eui64.parse(acb_eui)
    except ValueError as exc:
        _fail(f"--acb-eui: {exc}")
    if not keystores:
        return None
    for path in keystores:
        if not path.exists():
            _fail(f"--keystore {path} does not exist")
    store = Keystore.load(*keystores)
    for warning in store.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if not len(store):
        _fail(f"--keystore {', '.join(map(str, keystores))}: no keys or certificates there")
    return GbcsSecurity(store, access_control_broker=acb)


def _fail(reason: str) -> NoReturn:
    typer.echo(f"error: {reason}", err=True)
    raise typer.Exit(1)


@app.command()
def decode(
    message: Annotated[
        str, typer.Argument(help="The message: hex, base64, a file holding it, or - (stdin).")
    ],
    keystore: KeystoreOption = None,
    acb_eui: AcbOption = str(DCC_ACCESS_CONTROL_BROKER),
    compact: Annotated[bool, typer.Option("--compact", help="One-line JSON.")] = False,
) -> None:
    """Decode a GBCS message to JSON: frame fields, use case, MAC and signature validity,
    decrypted and decoded payload."""
    from opendcc.gbcs.codec import decode as decode_message  # noqa: PLC0415 (lazy: keeps --help fast)
    from opendcc.gbcs.context import GbcsDecodeError  # noqa: PLC0415 (lazy: keeps --help fast)

    try:
        data = read_message_bytes(message)
    except (ValueError, OSError) as exc:
        _fail(str(exc))
    security = _security(keystore, acb_eui)
    try:
        decoded = decode_message(data, security)
    except GbcsDecodeError as exc:
        _fail(f"not a GBCS message: {exc}")
    typer.echo(json.dumps(decoded.to_json(), indent=None if compact else 2))


@app.command()
def encode(
    source: Annotated[str, typer.Argument(help="The decode JSON: a file, or - (stdin).")],
    keystore: KeystoreOption = None,
    acb_eui: AcbOption = str(DCC_ACCESS_CONTROL_BROKER),
    sign: Annotated[
        bool,
        typer.Option("--sign", help="Re-sign with the originator's DS key (needs --keystore)."),
    ] = False,
    keep_mac: Annotated[
        bool,
        typer.Option(
            "--keep-mac", help="With --keystore, write the JSON's MAC instead of recomputing it."
        ),
    ] = False,
) -> None:
    """Encode the JSON ``decode`` prints back to the message, as upper-case hex.

    The MAC and signature are written as the JSON gives them; with --keystore the MAC is
    recomputed (unless --keep-mac), and --sign re-signs before the MAC is made.
    """
    from opendcc.gbcs.codec import encode_json  # noqa: PLC0415 (lazy: keeps --help fast)
    from opendcc.gbcs.context import GbcsEncodeError  # noqa: PLC0415 (lazy: keeps --help fast)

    try:
        if source == "-":
            text = sys.stdin.read(_MAX_INPUT + 1)
        else:
            path = Path(source)
            if path.stat().st_size > _MAX_INPUT:
                _fail(f"{source}: larger than {_MAX_INPUT} bytes")
            text = path.read_text("utf-8")
    except OSError as exc:
        _fail(f"cannot read {source}: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        _fail(f"{source} is not UTF-8 text (the JSON 'opendcc gbcs decode' prints): {exc}")
    try:
        obj = json.loads(text)
    except ValueError as exc:
        _fail(f"not JSON: {exc}")
    security = _security(keystore, acb_eui)
    if sign and security is None:
        _fail("--sign needs --keystore")
    try:
        data = encode_json(
            obj,
            security,
            recompute_mac=security is not None and not keep_mac,
            sign=sign,
        )
    except GbcsEncodeError as exc:
        _fail(str(exc))
    typer.echo(data.hex().upper())


@app.command()
def codes(
    query: Annotated[
        str | None,
        typer.Argument(help="A message code (0x0027, 39), a use case (ECS17b) or nothing."),
    ] = None,
    alerts: Annotated[
        bool, typer.Option("--alerts", help="List Device alert codes instead.")
    ] = False,
) -> None:
    """Print the GBCS message code table (or the alert codes) as JSON lines."""
    from opendcc.gbcs import alert_codes, message_codes  # noqa: PLC0415 (lazy: keeps --help fast)

    number: int | None = None
    if query is not None:
        try:
            number = int(query, 0)
        except ValueError:
            number = None
    if alerts:
        matching = [a for a in alert_codes.TABLE if query is None or a.value == number]
        if not matching:
            _fail(f"no alert code {query!r}")
        for alert in matching:
            carried = [f"{code:04X}" for code in alert.carried_by]
            typer.echo(
                json.dumps({"alert_code": alert.hex, "name": alert.name, "carried_by": carried})
            )
        return
    rows = (
        message_codes.TABLE
        if query is None
        else [r for r in message_codes.TABLE if r.value == number]
        or list(message_codes.for_use_case(query))
    )
    if not rows:
        _fail(f"no message code or use case {query!r}")
    for row in rows:
        typer.echo(
            json.dumps(
                {
                    "message_code": row.value,
                    "message_code_hex": row.hex,
                    "use_case": row.use_case,
                    "variant": row.variant,
                    "title": row.title,
                    "kind": row.kind.value,
                    "message_type": row.message_type,
                    "service_reference": row.service_reference,
                    "service_reference_variants": list(row.service_reference_variants),
                }
            )
        )
