"""``opendcc duis``: DUIS messages: parse, build, validate, sign and verify.

Exit codes: 0 success; 1 the message is refused (not DUIS, not valid, signature not
accepted), with the reason on stderr; 2 the command could not run (unreadable file or key,
no schema configured, bad option). ``IN`` may be ``-`` for standard input. Heavy imports
happen inside the commands so that ``opendcc --help`` stays fast.
"""

# Commands import their dependencies when they run (see the module docstring).
# ruff: noqa: PLC0415

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from opendcc.duis.messages import ServiceRequest, ServiceResponse

app = typer.Typer(
    help="DUIS messages: parse, build, validate, sign and verify.", no_args_is_help=True
)

_IN_HELP = "The DUIS XML message: a file, or - for standard input."
InArgument = Annotated[str, typer.Argument(metavar="IN", help=_IN_HELP)]


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _read_input(source: str) -> bytes:
    from opendcc.duis.parsing import DEFAULT_LIMITS

    # One byte over the limit is enough for the parser to say "too large".
    limit = DEFAULT_LIMITS.max_bytes + 1
    try:
        if source == "-":
            return sys.stdin.buffer.read(limit)
        with Path(source).open("rb") as handle:
            return handle.read(limit)
    except OSError as exc:
        _fail(f"cannot read {source}: {exc.strerror or exc}", 2)


def _parse(source: str) -> ServiceRequest | ServiceResponse:
    from opendcc.duis.errors import DuisError
    from opendcc.duis.messages import parse_message

    message = parse_message(_read_input(source))
    if isinstance(message, DuisError):
        _fail(f"not a DUIS message: {message}", 1)
    return message


def _instant(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        _fail(f"--at {text!r} is not an ISO 8601 date and time", 2)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@app.command()
def sign(
    source: InArgument,
    key: Annotated[
        Path, typer.Option("--key", help="Private key: PKCS#8 (PEM or DER) or SEC 1 PEM.")
    ],
    cert: Annotated[Path, typer.Option("--cert", help="The key's certificate, PEM or DER.")],
    keep_counter: Annotated[
        bool,
        typer.Option(
            "--keep-counter",
            help="Keep the RequestID counter. By default a Request gets a fresh counter, the "
            "current time in milliseconds, as DCC Boxed's signing tool does, so that each "
            "signed request carries a larger counter than the last.",
        ),
    ] = False,
) -> None:
    """Sign a Request or Response and print it as compact XML."""
    from opendcc.duis.build import set_request_counter
    from opendcc.duis.ids import time_based_counter
    from opendcc.duis.messages import ServiceRequest
    from opendcc.duis.signature import SigningIdentity, sign_to_bytes
    from opendcc.smki.loading import KeyMaterialError, load_certificate, load_private_key

    try:
        identity = SigningIdentity.of(
            load_private_key(key.read_bytes()), load_certificate(cert.read_bytes())
        )
    except OSError as exc:
        _fail(f"cannot read the key or certificate: {exc.strerror or exc}", 2)
    except (KeyMaterialError, ValueError) as exc:
        _fail(f"unusable key or certificate: {exc}", 2)
    message = _parse(source)
    if isinstance(message, ServiceRequest) and not keep_counter:
        refused = set_request_counter(message.root, time_based_counter(datetime.now(UTC)))
        if refused is not None:
            _fail(str(refused), 1)
    sys.stdout.buffer.write(sign_to_bytes(message.root, identity) + b"\n")


@app.command()
def verify(
    source: InArgument,
    keystore: Annotated[
        list[Path],
        typer.Option(
            "--keystore",
            help="A keystore folder or file (GBCS, DCC Boxed or keystore.json layout); repeatable.",
        ),
    ],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="ISO-TIME",
            help="Check certificate validity and revocation at this instant instead of now "
            "(DCC Boxed's test certificates have expired). A time without zone is UTC.",
        ),
    ] = None,
    allow_unsigned_response: Annotated[
        bool,
        typer.Option(
            "--allow-unsigned-response",
            help="Accept a Response without a signature, as DCC Boxed's validator does "
            "(DUIS lets the DCC return errors unsigned).",
        ),
    ] = False,
) -> None:
    """Verify a message's XML signature: exit 0 when valid, 1 with the reason when not."""
    from opendcc.duis.messages import ServiceRequest
    from opendcc.duis.signature import FailureReason, SignatureFailure, SignatureVerifier
    from opendcc.smki.keystore import Keystore

    for path in keystore:
        if not path.exists():
            _fail(f"--keystore {path} does not exist", 2)
    store = Keystore.load(*keystore)
    if not len(store):
        _fail("no certificates found in " + ", ".join(map(str, keystore)), 2)
    instant = _instant(at)
    message = _parse(source)
    verifier = SignatureVerifier(store)
    if isinstance(message, ServiceRequest):
        result = verifier.verify_request(message, instant)
    else:
        result = verifier.verify_response(message, instant)
    if isinstance(result, SignatureFailure):
        unsigned = result.reason is FailureReason.NOT_SIGNED
        if allow_unsigned_response and unsigned and not isinstance(message, ServiceRequest):
            typer.echo("unsigned response accepted (--allow-unsigned-response)")
            return
        _fail(f"invalid: {result}", 1)
    typer.echo(f"valid: signed by {result.signer} with certificate {result.serial}")


@app.command()
def validate(
    source: InArgument,
    schema_dir: Annotated[
        Path | None,
        typer.Option(
            "--schema-dir",
            help="Folder holding 'DUIS Schema V5.4.xsd' and its imports "
            "(default: OPENDCC_DUIS_SCHEMA_DIR or duis_schema_dir in the config file).",
        ),
    ] = None,
) -> None:
    """Validate against the DUIS XML schema: exit 0 when valid, 1 with the first error."""
    from opendcc.duis.errors import DuisError
    from opendcc.duis.parsing import parse_document
    from opendcc.duis.schema import load_schema

    schema = load_schema(schema_dir)
    if isinstance(schema, DuisError):
        _fail(str(schema), 2)
    root = parse_document(_read_input(source))
    if isinstance(root, DuisError):
        _fail(f"invalid: {root}", 1)
    problem = schema.validate(root)
    if problem is not None:
        _fail(f"invalid: {problem}", 1)
    typer.echo("valid")


@app.command()
def show(source: InArgument) -> None:
    """Print the parsed header and the request-matrix facts of its variant as JSON."""
    from opendcc.duis.matrix import ServiceReferenceVariant, service_reference_variant
    from opendcc.duis.messages import ServiceRequest, check_request

    message = _parse(source)
    out: dict[str, Any]
    variant: ServiceReferenceVariant | None
    if isinstance(message, ServiceRequest):
        header = message.header
        variant = header.variant
        problem = check_request(message)
        out = {
            "message": "Request",
            "schemaVersion": message.schema_version,
            "requestId": _request_id_json(header.request_id),
            "commandVariant": int(header.command_variant),
            "endpoint": header.command_variant.endpoint.value,
            "serviceReference": header.service_reference,
            "serviceReferenceVariant": variant.code,
            "firstInSequence": header.first_in_sequence,
            "precedingRequestId": (
                None
                if header.preceding_request_id is None
                else _request_id_json(header.preceding_request_id)
            ),
            "body": message.body_name,
            "executionDateTime": _time(message.execution_datetime),
            "signed": message.signature is not None,
            "matrixCheck": None if problem is None else str(problem),
        }
    else:
        response = message.header
        code = message.service_reference_variant
        variant = service_reference_variant(code) if code else None
        out = {
            "message": "Response",
            "schemaVersion": message.schema_version,
            "requestId": (
                None if response.request_id is None else _request_id_json(response.request_id)
            ),
            "responseId": (
                None
                if response.response_id is None
                else {
                    "responder": str(response.response_id.responder),
                    "recipient": str(response.response_id.recipient),
                    "counter": response.response_id.counter,
                }
            ),
            "responseCode": response.response_code.value,
            "responseCodeMeaning": response.response_code.meaning,
            "responseDateTime": _time(response.response_datetime),
            "body": message.body_kind.value,
            "serviceReference": message.service_reference,
            "serviceReferenceVariant": code,
            "alertCode": message.alert_code,
            "signed": message.signature is not None,
        }
    out["variant"] = None if variant is None else _variant_json(variant)
    typer.echo(json.dumps(out, indent=2))


def _request_id_json(request_id: Any) -> dict[str, Any]:
    return {
        "originator": str(request_id.originator),
        "target": str(request_id.target),
        "counter": request_id.counter,
    }


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _variant_json(variant: Any) -> dict[str, Any]:
    return {
        "code": variant.code,
        "name": variant.name,
        "serviceReference": variant.service_reference,
        "critical": variant.critical,
        "onDemand": variant.on_demand,
        "futureDatedResponsePattern": variant.future_dated.value,
        "dccScheduled": variant.dcc_scheduled,
        "nonDevice": variant.non_device,
        "eligibleUserRoles": sorted(role.value for role in variant.eligible_roles),
        "bodyElement": variant.body_element,
        "commandVariants": sorted(int(cv) for cv in variant.command_variants),
    }
