"""Tracing a payload value back to the DUIS body element it comes from.

When a Pre-Command's value differs from the request's transform, the supplier wants to know
which of *its* fields that is. Candidates are body elements holding the request's side of
the value (as is, a scaled amount, a time in another form), then elements whose own or
ancestors' names share words with the payload value's name. Each candidate is confirmed by
*perturbation*: the element is changed by one step, the request transformed again under the
same Device profile and time, and if the same payload value moves the element is its
source. When several elements move it (a date's year, month and day), their parent is named.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from lxml import etree

from opendcc.duis.messages import ServiceRequest
from opendcc.gbcs.frame import GbcsMessage
from opendcc.transform.registry import CommandSpec

from .compare import Leaf, payload_json
from .devices import DeviceFacts
from .expected import Expected, transform_once
from .paths import as_datetime, at_path
from .words import GENERIC_SEGMENTS, dlms_date_time, humanise

MAX_ATTRIBUTION_CANDIDATES: Final = 8
_COMMON_WORDS: Final = frozenset({"passive", "active", "value", "the", "specified", "table"})


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
    want = (dlms_date_time(leaf.want) or leaf.want) if isinstance(leaf.want, str) else leaf.want
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
            return duis_path(body, element), text, _same_value(text, want)
    moving = [
        e
        for e in by_name[:MAX_ATTRIBUTION_CANDIDATES]
        if _moves(request, expected, message, facts, e, leaf, values)
    ]
    if not moving:
        return None
    if len(moving) == 1:
        return duis_path(body, moving[0]), moving[0].text or "", False
    # Several elements make the value (a date's year, month and day): name their parent.
    common = _common_ancestor(moving, body)
    return duis_path(body, common), None, False


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
        if name in GENERIC_SEGMENTS or ":" in name:
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


def duis_path(body: etree._Element, element: etree._Element) -> str:
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
