"""Saying what differs, in words a person can act on.

A byte offset tells a supplier nothing. Once correlation has found that a Pre-Command is not
the request's transform, this module finds the first difference and words it:

- in the grouping header: another Device, another use case (for supply, the action: "would
  disable supply where the request asks to arm it"), another date-time;
- in the payload: both payloads are read by their codecs (DLMS, GBZ, DER) into named values
  and compared; the first differing value is described by what it is (a certificate, an
  execution date-time, a supply action, a price or amount) and traced back to the DUIS body
  element it comes from, by *perturbation*: a body element whose value equals the request's
  side of the difference is changed by one step, the request transformed again, and if the
  same payload value moves the element is its source. The sentence then uses the element's
  name ("the standing charge") and the request's own figures.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from lxml import etree

from opendcc.duis.messages import ServiceRequest
from opendcc.gbcs import message_codes
from opendcc.gbcs.context import Cra, GbcsDecodeError, PayloadContext
from opendcc.gbcs.date_time import DlmsDateTime
from opendcc.gbcs.frame import GbcsMessage
from opendcc.gbcs.payload import decode_payload
from opendcc.transform.registry import CommandSpec

from .devices import DeviceFacts
from .expected import Expected, transform_once
from .paths import as_datetime, at_path, prefix, walk
from .verdict import DifferenceKind

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
_GENERIC_SEGMENTS: Final = frozenset({"components", "fields", "values", "value", "data"})
_COMMON_WORDS: Final = frozenset({"passive", "active", "value", "the", "specified", "table"})
MAX_ATTRIBUTION_CANDIDATES: Final = 8
_SR: Final = "{http://www.dccinterface.co.uk/ServiceUserGateway}"


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


def payload_json(payload: bytes, message: GbcsMessage) -> dict[str, Any] | None:
    """The payload read by its codec as JSON (None when no codec reads it)."""
    code = message_codes.lookup(message.message_code)
    context = PayloadContext(
        Cra.COMMAND,
        message.message_code,
        code.use_case if code else None,
        message.originator,
        message.recipient,
        message.counter,
    )
    decoded = decode_payload(payload, context).to_json()
    return None if decoded.get("format") == "raw" else decoded


@dataclass(frozen=True, slots=True)
class Leaf:
    """The first difference between two JSON trees."""

    path: str
    want: Any
    got: Any
    missing: bool = False
    added: bool = False
    lengths: tuple[int, int] | None = None


def first_difference(want: Any, got: Any, path: str = "") -> Leaf | None:
    if isinstance(want, dict) and isinstance(got, dict):
        for key in list(want) + [k for k in got if k not in want]:
            sub = f"{path}/{key}" if path else str(key)
            if key not in got:
                return Leaf(sub, want[key], None, missing=True)
            if key not in want:
                return Leaf(sub, None, got[key], added=True)
            found = first_difference(want[key], got[key], sub)
            if found is not None:
                return found
        return None
    if isinstance(want, list) and isinstance(got, list):
        for index, (a, b) in enumerate(zip(want, got, strict=False)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found is not None:
                return found
        if len(want) != len(got):
            return Leaf(path, want, got, lengths=(len(want), len(got)))
        return None
    if want != got or type(want) is not type(got):
        return Leaf(path, want, got)
    return None


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
            f" {_show(leaf.got)} where the request asks {_show(leaf.want)} ({where})",
            where,
        )
    if source is not None:
        duis_path, text, identity = source
        duis_label = humanise(duis_path.rsplit("/", 1)[-1].split("[", 1)[0])
        if identity and text is not None:
            return Explanation(
                DifferenceKind.VALUE,
                f"the Pre-Command sets the {duis_label} to {_show(leaf.got)} where the request"
                f" asks {text.strip()} (DUIS {duis_path}; {gbcs_field})",
                f"DUIS {duis_path}",
            )
        given = f" ({text.strip()})" if text is not None else ""
        return Explanation(
            DifferenceKind.VALUE,
            f"the Pre-Command's {label} is {_show(leaf.got)} where the request's"
            f" {duis_label}{given} gives {_show(leaf.want)} (DUIS {duis_path}; {gbcs_field})",
            f"DUIS {duis_path}",
        )
    return Explanation(
        DifferenceKind.VALUE,
        f"the Pre-Command sets the {label} to {_show(leaf.got)} where the request's Command"
        f" has {_show(leaf.want)} ({gbcs_field})",
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


# --- tracing a payload value to the DUIS body ---------------------------------------------


def attribute(
    request: ServiceRequest,
    expected: Expected,
    message: GbcsMessage,
    facts: DeviceFacts | None,
    leaf: Leaf,
    values: bool,
) -> tuple[str, str | None, bool] | None:
    """(DUIS path, the element's text, whether the payload carries the DUIS value as is)
    of the body element the differing payload value comes from, or None.

    Candidates, each confirmed by perturbation: elements holding the request's side of the
    value (as is, or a scaled amount or a time in another form), then elements whose name
    or ancestors' names share words with the payload value's name (``SeasonStartDate`` /
    ``SpecifiedMonth`` for a ``season_start``).
    """
    body = request.body
    want = (_dlms_date_time(leaf.want) or leaf.want) if isinstance(leaf.want, str) else leaf.want
    leaves = [
        e for e in body.iter() if isinstance(e.tag, str) and not len(e) and (e.text or "").strip()
    ]
    by_value = [e for e in leaves if _same_value(e.text or "", want)]
    by_value += [e for e in leaves if e not in by_value and _related(e.text or "", want)]
    words = _words(leaf.path)
    by_name = sorted(
        (e for e in leaves if e not in by_value and _shared(words, e, body)),
        key=lambda e: -_shared(words, e, body),
    )
    for element in by_value[:MAX_ATTRIBUTION_CANDIDATES]:
        if _moves(request, expected, message, facts, element, leaf, values):
            text = element.text or ""
            return _duis_path(body, element), text, _same_value(text, want)
    moving = [
        e
        for e in by_name[:MAX_ATTRIBUTION_CANDIDATES]
        if _moves(request, expected, message, facts, e, leaf, values)
    ]
    if not moving:
        return None
    if len(moving) == 1:
        return _duis_path(body, moving[0]), moving[0].text or "", False
    # Several elements make the value (a date's year, month and day): name their parent.
    common = _common_ancestor(moving, body)
    return _duis_path(body, common), None, False


def _common_ancestor(elements: list[etree._Element], body: etree._Element) -> etree._Element:
    chains = []
    for element in elements:
        chain = []
        node: etree._Element | None = element
        while node is not None:
            chain.append(node)
            if node is body:
                break
            node = node.getparent()
        chains.append(list(reversed(chain)))
    common = body
    for nodes in zip(*chains, strict=False):
        if all(n is nodes[0] for n in nodes):
            common = nodes[0]
        else:
            break
    return common


def _words(path: str) -> set[str]:
    names = [s.split("[", 1)[0] for s in path.split("/") if s]
    out: set[str] = set()
    for name in names:
        if name in _GENERIC_SEGMENTS or ":" in name:
            continue
        for part in name.replace(".", " ").split():
            out.update(w for w in humanise(part).split() if len(w) > 2)
    return out - _COMMON_WORDS


def _shared(words: set[str], element: etree._Element, body: etree._Element) -> int:
    found: set[str] = set()
    node: etree._Element | None = element
    while node is not None and node is not body:
        found.update(w for w in humanise(etree.QName(node).localname).split() if len(w) > 2)
        node = node.getparent()
    return len(words & found)


def _moves(
    request: ServiceRequest,
    expected: Expected,
    message: GbcsMessage,
    facts: DeviceFacts | None,
    element: etree._Element,
    leaf: Leaf,
    values: bool,
) -> bool:
    """Whether changing ``element`` by one step moves the payload value at ``leaf.path``."""
    position = list(request.body.iter()).index(element)
    for replacement in _steps(element.text or ""):
        body = copy.deepcopy(request.body)
        list(body.iter())[position].text = replacement
        spec = transform_once(request, expected.profile, expected.role, expected.now, facts, body)
        if not isinstance(spec, CommandSpec) or spec.message_code != expected.spec.message_code:
            continue
        moved = payload_json(spec.payload, message)
        if moved is None:
            return False
        node = at_path(moved.get("values") if values else moved, leaf.path)
        return bool(node != leaf.want)
    return False


def _steps(text: str) -> Iterator[str]:
    stripped = text.strip()
    try:
        number = int(stripped)
    except ValueError:
        pass
    else:
        yield str(number + 1)
        yield str(number - 1)
        return
    moment = as_datetime(stripped)
    if moment is not None:
        yield (moment + timedelta(days=1)).isoformat().replace("+00:00", "Z")
        return
    try:
        amount = Decimal(stripped)
    except InvalidOperation:
        return
    if amount.is_finite():
        unit = Decimal(1).scaleb(amount.as_tuple().exponent)  # type: ignore[arg-type]
        yield str(amount + unit)
        yield str(amount - unit)


def _same_value(text: str, value: Any) -> bool:
    stripped = text.strip()
    if isinstance(value, bool):
        return stripped.lower() == str(value).lower()
    if isinstance(value, int):
        try:
            return Decimal(stripped) == value
        except InvalidOperation:
            return False
    if isinstance(value, str):
        moment, other = as_datetime(stripped), as_datetime(value)
        if moment is not None and other is not None:
            return moment == other
        return stripped.lower() == value.strip().lower()
    return False


def _related(text: str, value: Any) -> bool:
    """A body value that could map to ``value`` other than as is (a scaled amount, a time
    given in another form): worth a perturbation to find out."""
    stripped = text.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            amount = Decimal(stripped)
        except InvalidOperation:
            return False
        return amount != 0 and value != 0 and amount.is_finite() and "." in stripped
    return (
        isinstance(value, str)
        and as_datetime(value) is not None
        and (as_datetime(stripped) is not None)
    )


def _duis_path(body: etree._Element, element: etree._Element) -> str:
    parts: list[str] = []
    node: etree._Element | None = element
    while node is not None and node is not body:
        name = etree.QName(node).localname
        parent = node.getparent()
        index = node.get("index")
        if index is None and parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                index = str(same.index(node) + 1)
        parts.append(f"{name}[{index}]" if index else name)
        node = parent
    parts.append(etree.QName(body).localname)
    return "/".join(reversed(parts))


# --- names and values ---------------------------------------------------------------------


def humanise(name: str) -> str:
    """``StandingCharge`` -> ``standing charge``; ``maximum_credit_level`` -> itself spaced.
    Names holding an OBIS code (``Data 0-0:94.44.121.4``) stay as they are."""
    if ":" in name:
        return name
    if "_" in name:
        return name.replace("_", " ").strip().lower()
    words: list[str] = []
    current = ""
    for index, char in enumerate(name):
        upper_run = (
            char.isupper()
            and current
            and (not current[-1].isupper() or (index + 1 < len(name) and name[index + 1].islower()))
        )
        if upper_run or (char.isdigit() and current and not current[-1].isdigit()):
            words.append(current)
            current = char
        else:
            current += char
    if current:
        words.append(current)
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)


def gbcs_label(path: str, tree: Any) -> str:
    """A readable name for a payload path: the named value, and the component's command
    for GBZ (``maximum credit level (Prepayment SetMaximumCreditLimit)``)."""
    segments = [s for s in path.split("/") if s]
    names = [s.split("[", 1)[0] for s in segments]
    meaningful = [n for n in names if n and n not in _GENERIC_SEGMENTS]
    if not meaningful:
        return "payload"
    first, last = meaningful[0], meaningful[-1]
    top = humanise(first if ":" in first else first.split(".", 1)[0])
    leaf = humanise(last.split(".", 1)[-1]) if len(meaningful) > 1 else None
    label = top if leaf is None or leaf == top else f"{top} ({leaf})"
    for node in walk(tree, path):
        if isinstance(node, dict) and "cluster" in node and "command" in node:
            return f"{humanise(meaningful[-1])} ({node['cluster']} {node['command']})"
    return label


def _show(value: Any) -> str:
    if isinstance(value, str):
        return _dlms_date_time(value) or value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return json.dumps(value, separators=(",", ":"), default=str)[:200]


def _dlms_date_time(text: str) -> str | None:
    """A DLMS date-time octet string (24 hex digits) as ISO 8601, when it is one."""
    if len(text) != 24:
        return None
    try:
        moment = DlmsDateTime.from_bytes(bytes.fromhex(text))
        return moment.iso()
    except (ValueError, GbcsDecodeError):
        return None
