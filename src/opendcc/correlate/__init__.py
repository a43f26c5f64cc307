"""Correlate: does a Pre-Command do exactly what the User's Service Request asked?

The DCC transforms a critical Service Request into a GBCS Pre-Command and returns it for the
User to sign. Before signing, the User's Parse and Correlate software checks the Pre-Command
is substantively identical to the request (consultation glossary, "Parse and Correlate
Software"): otherwise a compromised DCC could obtain the User's signature on a Command the
User never asked for. This module is that check. The verdict names the first difference
found, in words a person can act on.

How: the header must name the User as originator, the request's target Device as recipient
and the request's counter; then the request is transformed here, independently of the DCC,
for every device type the variant applies to, and the Pre-Command's message code and payload
must equal one of those transforms byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from opendcc.duis.messages import ServiceRequest
from opendcc.gbcs.context import Cra, GbcsDecodeError
from opendcc.gbcs.frame import GbcsMessage, decode_message
from opendcc.inventory.model import CspRegion, Device, SmiStatus
from opendcc.roles import UserRole
from opendcc.transform import catalogue as _catalogue  # noqa: F401  (loads every transform)
from opendcc.transform.applicability import DEVICE_TYPES
from opendcc.transform.registry import CommandSpec, TransformInput, lookup


@dataclass(frozen=True, slots=True)
class Verdict:
    correlates: bool
    difference: str | None = None
    use_case: str | None = None

    def __bool__(self) -> bool:
        return self.correlates


def correlate(request: ServiceRequest, pre_command: bytes, role: UserRole | None = None) -> Verdict:
    """Whether ``pre_command`` (as returned for ``request``) does what ``request`` asks."""
    try:
        message = decode_message(pre_command)
    except GbcsDecodeError as exc:
        return Verdict(False, f"the Pre-Command is not a GBCS message: {exc}")
    rid = request.header.request_id
    header_problem = _header(message, rid.originator, rid.target, rid.counter)
    if header_problem is not None:
        return Verdict(False, header_problem)
    variant = request.header.variant.code
    candidates = _expected(request, message, role)
    if not candidates:
        return Verdict(False, f"opendcc cannot transform {variant} to check this Pre-Command")
    for spec in candidates:
        if spec.message_code == message.message_code and spec.payload == message.payload:
            return Verdict(True, None, spec.use_case)
    same_code = [s for s in candidates if s.message_code == message.message_code]
    if not same_code:
        expected = ", ".join(f"{s.use_case} (0x{s.message_code:04X})" for s in candidates)
        return Verdict(
            False,
            f"the Pre-Command's message code 0x{message.message_code:04X}"
            f" is not the use case {variant} asks for: {expected}",
        )
    return Verdict(False, _payload_difference(same_code[0], message), same_code[0].use_case)


def _header(message: GbcsMessage, originator: object, target: object, counter: int) -> str | None:
    if message.cra is not Cra.COMMAND:
        return f"the Pre-Command is a {message.cra.label}, not a command"
    if message.originator != originator:
        return f"the Pre-Command is from {message.originator}, not the User {originator}"
    if message.recipient != target:
        return f"the Pre-Command is for Device {message.recipient}, not {target}"
    if message.counter != counter:
        return f"the Pre-Command's counter is {message.counter}, the request's {counter}"
    if message.signature is not None:
        return "the Pre-Command is already signed"
    return None


def _expected(
    request: ServiceRequest, message: GbcsMessage, role: UserRole | None
) -> list[CommandSpec]:
    header = request.header
    rid = header.request_id
    roles = [role] if role else sorted(header.variant.eligible_roles) or [UserRole.IMPORT_SUPPLIER]
    found: list[CommandSpec] = []
    for device_type in sorted(DEVICE_TYPES.get(header.variant.code, ()), key=lambda t: t.value):
        transform = lookup(header.variant.code, device_type)
        if transform is None:
            continue
        device = Device(
            rid.target,
            device_type,
            SmiStatus.COMMISSIONED,
            datetime(2000, 1, 1, tzinfo=UTC),
            CspRegion.CENTRAL,
        )
        for user_role in roles:
            spec = transform(
                TransformInput(
                    variant=header.variant.code,
                    body=request.body,
                    originator=rid.originator,
                    target=rid.target,
                    counter=rid.counter,
                    device=device,
                    role=user_role,
                    now=datetime.now(UTC),
                    execution_at=request.execution_datetime,
                )
            )
            if isinstance(spec, CommandSpec):
                found.append(spec)
                break
    return found


def _payload_difference(expected: CommandSpec, message: GbcsMessage) -> str:
    """The first field where the Pre-Command's payload differs from the request's meaning."""
    from opendcc.gbcs.context import PayloadContext  # noqa: PLC0415
    from opendcc.gbcs.payload import decode_payload  # noqa: PLC0415

    context = PayloadContext(
        Cra.COMMAND,
        message.message_code,
        expected.use_case,
        message.originator,
        message.recipient,
        message.counter,
    )
    try:
        want = decode_payload(expected.payload, context).to_json()
        got = decode_payload(message.payload, context).to_json()
    except GbcsDecodeError:
        return f"the {expected.use_case} payload differs from what the request asks"
    path = _first_difference(want.get("values", want), got.get("values", got), "")
    if path is None:
        path = _first_difference(want, got, "") or "the payload"
    return f"the {expected.use_case} Pre-Command differs from the request at {path}"


def _first_difference(want: object, got: object, path: str) -> str | None:
    if isinstance(want, dict) and isinstance(got, dict):
        for key in list(want) + [k for k in got if k not in want]:
            if key not in want or key not in got:
                return f"{path}/{key}".lstrip("/") + (
                    " (missing)" if key not in got else " (added)"
                )
            found = _first_difference(want[key], got[key], f"{path}/{key}")
            if found is not None:
                return found
        return None
    if isinstance(want, list) and isinstance(got, list):
        for index, (a, b) in enumerate(zip(want, got, strict=False)):
            found = _first_difference(a, b, f"{path}[{index}]")
            if found is not None:
                return found
        if len(want) != len(got):
            return f"{path} ({len(got)} entries, the request gives {len(want)})"
        return None
    if want != got:
        return f"{path.lstrip('/')}: the request gives {want!r}, the Pre-Command {got!r}"
    return None
