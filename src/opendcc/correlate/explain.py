"""Saying what differs, in words a person can act on.

A byte offset tells a supplier nothing. Once correlation has found that a Pre-Command is not
the request's transform, this module finds the first difference and words it:

- in the grouping header: another Device, another use case (for supply, the action: "would
  disable supply where the request asks to arm it"), another date-time;
- in the payload: both payloads are read by their codecs (DLMS, GBZ, DER) into named values
  and compared; the first differing value is described by what it is (a certificate, an
  execution date-time, a supply action, a price or amount) and traced back to the DUIS body
  element it comes from (``opendcc.correlate.attribution``). The sentence then uses the
  element's name ("the standing charge") and the request's own figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from opendcc.duis.messages import ServiceRequest
from opendcc.gbcs import message_codes
from opendcc.gbcs.context import Cra
from opendcc.gbcs.frame import GbcsMessage
from opendcc.transform.registry import CommandSpec

from .attribution import attribute
from .compare import Leaf, first_difference, payload_json
from .devices import DeviceFacts
from .expected import Expected
from .paths import as_datetime, at_path, prefix, walk
from .verdict import DifferenceKind
from .words import gbcs_label, humanise, show

SUPPLY_ACTIONS: Final[dict[str, str]] = {
    "ECS42": "enable supply",
    "ECS43": "disable supply",
    "ECS44": "arm supply",
    "GCS32": "disable supply",
    "GCS39": "arm supply",
}
"""What each supply use case does (DUIS 7.1 Enable, 7.2 Disable, 7.3 Arm Supply)."""
DISCONNECT_SCRIPTS: Final[dict[int, str]] = {
    51: "enable supply",
    52: "disable supply",
    54: "arm supply",
}
"""The ESME Disconnect Control script an ECS42/43/44 executes (GBCS: 51 reconnect, 52
disconnect, 54 ready for reconnection)."""
SUPPLY_STATUSES: Final[dict[str, str]] = {
    "On": "enable supply",
    "Off": "disable supply",
    "Armed": "arm supply",
}
"""GBZ ChangeSupply ``proposed_supply_status`` (GCS32, GCS39)."""
_EXECUTION_WORDS: Final = ("execution", "activat", "implementation")


@dataclass(frozen=True, slots=True)
class Explanation:
    kind: DifferenceKind
    text: str
    field: str | None = None


def describe_use_case(code: int) -> str:
    row = message_codes.lookup(code)
    if row is None:
        return f"message code 0x{code:04X}"
    return f"{row.use_case or 'message'} {row.title} (0x{code:04X})"


def _use_case_of(code: int) -> str | None:
    row = message_codes.lookup(code)
    return row.use_case if row is not None else None


def supply_action(word: str) -> str:
    """``disable supply`` -> ``disable it`` (the second half of a sentence)."""
    return word.replace(" supply", " it")


def header_difference(expected: Expected, message: GbcsMessage) -> Explanation | None:
    """The first grouping-header difference from the expected Command, if any."""
    spec = expected.spec
    header = message.header
    if header.recipient != spec.recipient:
        return Explanation(
            DifferenceKind.DEVICE,
            f"a different device: the Pre-Command is addressed to Device {header.recipient},"
            f" where the request's Command goes to {spec.recipient}",
            "GBCS recipient",
        )
    if header.message_code != spec.message_code:
        got, want = _use_case_of(header.message_code), _use_case_of(spec.message_code)
        if (
            got in SUPPLY_ACTIONS
            and want in SUPPLY_ACTIONS
            and SUPPLY_ACTIONS[got] != SUPPLY_ACTIONS[want]
        ):
            return Explanation(
                DifferenceKind.SUPPLY_ACTION,
                f"the Pre-Command would {SUPPLY_ACTIONS[got]} ({got}) where the request asks"
                f" to {supply_action(SUPPLY_ACTIONS[want])} ({want})",
                "GBCS message code",
            )
        return Explanation(
            DifferenceKind.USE_CASE,
            f"a different command: the Pre-Command is {describe_use_case(header.message_code)}"
            f" where the request transforms to {describe_use_case(spec.message_code)}",
            "GBCS message code",
        )
    want_time = _header_time(spec)
    got_time = header.date_time.to_datetime() if header.date_time is not None else None
    if header.date_time is not None or spec.date_time is not None:
        expected_bytes = _expected_header_time_bytes(spec)
        got_bytes = bytes(header.date_time) if header.date_time is not None else None
        if expected_bytes != got_bytes:
            return Explanation(
                DifferenceKind.EXECUTION_DATE_TIME,
                f"a different execution date-time: the Pre-Command's header date-time is"
                f" {_show_time(got_time, header.date_time is not None)} where the request"
                f" gives {_show_time(want_time, spec.date_time is not None)}",
                "GBCS date-time",
            )
    other = header.other_information
    pairs = (
        ("supplementary remote party", other.supplementary_remote_party,
         spec.supplementary_remote_party),
        ("supplementary remote party counter", other.supplementary_remote_party_counter,
         spec.supplementary_remote_party_counter),
        ("supplementary remote party KA certificate",
         other.supplementary_remote_party_ka_certificate,
         spec.supplementary_remote_party_ka_certificate),
        ("supplementary originator counter", other.supplementary_originator_counter, None),
    )  # fmt: skip
    for name, got_value, want_value in pairs:
        if got_value != want_value:
            return Explanation(
                DifferenceKind.CERTIFICATE if "certificate" in name else DifferenceKind.HEADER,
                f"the Pre-Command's {name} is {_show_header(got_value)} where the request's"
                f" Command has {_show_header(want_value)}",
                f"GBCS {name}",
            )
    return None


def _header_time(spec: CommandSpec) -> datetime | None:
    value = spec.date_time
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _expected_header_time_bytes(spec: CommandSpec) -> bytes | None:
    from opendcc.gbcs.build import grouping_header  # noqa: PLC0415

    header = grouping_header(
        Cra.COMMAND,
        originator=spec.recipient,
        recipient=spec.recipient,
        counter=0,
        message_code=spec.message_code,
        date_time=spec.date_time,
    )
    return bytes(header.date_time) if header.date_time is not None else None


def _show_time(value: datetime | None, present: bool) -> str:
    if not present:
        return "none"
    return value.isoformat() if value is not None else "a date-time pattern"


def _show_header(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    return str(value)


# --- the payload ----------------------------------------------------------------------------


def payload_difference(
    request: ServiceRequest,
    expected: Expected,
    message: GbcsMessage,
    facts: DeviceFacts | None,
) -> Explanation:
    """The first difference between the expected payload and the Pre-Command's, in words."""
    want_json = payload_json(expected.spec.payload, message)
    got_json = payload_json(message.payload, message)
    if want_json is None or got_json is None:
        return Explanation(
            DifferenceKind.VALUE,
            f"the Pre-Command's payload differs from the request's {expected.spec.use_case}"
            f" Command from byte {_first_byte(expected.spec.payload, message.payload)}"
            " (the payload cannot be read to say more)",
            "GBCS payload",
        )
    leaf = first_difference(want_json.get("values"), got_json.get("values"))
    values = leaf is not None
    if leaf is None:
        leaf = first_difference(
            {k: v for k, v in want_json.items() if k != "values"},
            {k: v for k, v in got_json.items() if k != "values"},
        )
    if leaf is None:
        return Explanation(
            DifferenceKind.VALUE,
            f"the Pre-Command's payload differs from the request's {expected.spec.use_case}"
            f" Command from byte {_first_byte(expected.spec.payload, message.payload)}",
            "GBCS payload",
        )
    context_tree = want_json.get("values") if values else want_json
    return _describe(request, expected, message, facts, leaf, context_tree, values)


def _first_byte(a: bytes, b: bytes) -> int:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def _describe(
    request: ServiceRequest,
    expected: Expected,
    message: GbcsMessage,
    facts: DeviceFacts | None,
    leaf: Leaf,
    tree: Any,
    values: bool,
) -> Explanation:
    gbcs_field = f"GBCS {leaf.path}"
    label = gbcs_label(leaf.path, tree)
    if leaf.lengths is not None:
        want_n, got_n = leaf.lengths
        return Explanation(
            DifferenceKind.VALUE,
            f"the Pre-Command has {got_n} entries in the {label} where the request gives {want_n}"
            f" ({gbcs_field})",
            gbcs_field,
        )
    if leaf.missing or leaf.added:
        what = "lacks" if leaf.missing else "adds"
        return Explanation(
            DifferenceKind.VALUE,
            f"the Pre-Command {what} the {label} ({gbcs_field}), which the request's"
            f" {'Command has' if leaf.missing else 'Command does not have'}",
            gbcs_field,
        )
    certificate = _certificate_context(leaf.path, tree, message, expected)
    if certificate is not None:
        return certificate
    supply = _supply_context(leaf)
    if supply is not None:
        return supply
    source = attribute(request, expected, message, facts, leaf, values)
    want_time, got_time = as_datetime(leaf.want), as_datetime(leaf.got)
    is_time = want_time is not None and got_time is not None
    names = f"{leaf.path} {source[0] if source else ''}".lower()
    if is_time and any(word in names for word in _EXECUTION_WORDS):
        where = f"DUIS {source[0]}" if source else gbcs_field
        return Explanation(
            DifferenceKind.EXECUTION_DATE_TIME,
            f"a different execution date-time: the Pre-Command acts at"
            f" {show(leaf.got)} where the request asks {show(leaf.want)} ({where})",
            where,
        )
    if source is not None:
        duis_path, text, identity = source
        duis_label = humanise(duis_path.rsplit("/", 1)[-1].split("[", 1)[0])
        if identity and text is not None:
            return Explanation(
                DifferenceKind.VALUE,
                f"the Pre-Command sets the {duis_label} to {show(leaf.got)} where the request"
                f" asks {text.strip()} (DUIS {duis_path}; {gbcs_field})",
                f"DUIS {duis_path}",
            )
        given = f" ({text.strip()})" if text is not None else ""
        return Explanation(
            DifferenceKind.VALUE,
            f"the Pre-Command's {label} is {show(leaf.got)} where the request's"
            f" {duis_label}{given} gives {show(leaf.want)} (DUIS {duis_path}; {gbcs_field})",
            f"DUIS {duis_path}",
        )
    return Explanation(
        DifferenceKind.VALUE,
        f"the Pre-Command sets the {label} to {show(leaf.got)} where the request's Command"
        f" has {show(leaf.want)} ({gbcs_field})",
        gbcs_field,
    )


def _certificate_context(
    path: str, tree: Any, message: GbcsMessage, expected: Expected
) -> Explanation | None:
    parts = list(walk(tree, path))
    for depth in range(len(parts) - 1, -1, -1):
        node = parts[depth]
        if isinstance(node, dict) and "serial" in node and "subject_eui" in node:
            where = prefix(path, depth)
            got_tree = payload_json(message.payload, message)
            got_node = at_path(got_tree.get("values") if got_tree else None, where)
            return Explanation(
                DifferenceKind.CERTIFICATE,
                f"a different certificate: the Pre-Command carries {_cert(got_node)}"
                f" where the request gives {_cert(node)} (GBCS {where})",
                f"GBCS {where}",
            )
    if "certificate" in path.lower():
        return Explanation(
            DifferenceKind.CERTIFICATE,
            f"a different certificate: the Pre-Command's {path} differs from the request's"
            f" {expected.spec.use_case} Command",
            f"GBCS {path}",
        )
    return None


def _cert(node: Any) -> str:
    if not isinstance(node, dict):
        return "no certificate"
    facts = [f"serial {node.get('serial_hex') or node.get('serial')}"]
    if node.get("subject_eui"):
        facts.append(f"for {node['subject_eui']}")
    if node.get("role"):
        facts.append(f"role {node['role']}")
    if node.get("usage"):
        facts.append(str(node["usage"]).upper())
    return "certificate " + ", ".join(facts)


def _supply_context(leaf: Leaf) -> Explanation | None:
    last = leaf.path.rsplit("/", 1)[-1]
    if leaf.path.startswith("DisconnectControlScriptTable.execute"):
        got = DISCONNECT_SCRIPTS.get(leaf.got) if isinstance(leaf.got, int) else None
        want = DISCONNECT_SCRIPTS.get(leaf.want) if isinstance(leaf.want, int) else None
    elif last == "proposed_supply_status":
        got, want = SUPPLY_STATUSES.get(str(leaf.got)), SUPPLY_STATUSES.get(str(leaf.want))
    else:
        return None
    return Explanation(
        DifferenceKind.SUPPLY_ACTION,
        f"the Pre-Command would {got or f'run supply action {leaf.got!r}'} where the request"
        f" asks to {supply_action(want) if want else f'run supply action {leaf.want!r}'}"
        f" (GBCS {leaf.path})",
        f"GBCS {leaf.path}",
    )
