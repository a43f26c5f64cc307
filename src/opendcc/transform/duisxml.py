"""Reading typed values out of DUIS body elements, for transforms.

The body was schema-valid when it arrived (or at least parsed by the hardened parser), but
transforms must still refuse, not crash, on a value they cannot use: every reader here
raises ``BodyValueError`` with the element's path, which the transform turns into a
``TransformRefusal``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from lxml import etree

from opendcc.eui import Eui64

SR_NS: Final = "http://www.dccinterface.co.uk/ServiceUserGateway"
_SR: Final = "{" + SR_NS + "}"


class BodyValueError(ValueError):
    """A body value a transform cannot use; the message names the element."""


def _path(element: etree._Element) -> str:
    parts = []
    node: etree._Element | None = element
    while node is not None and node.tag != _SR + "Body":
        parts.append(etree.QName(node).localname)
        node = node.getparent()
    return "/".join(reversed(parts))


def child(element: etree._Element, name: str) -> etree._Element | None:
    """The first child ``sr:name`` of ``element``, or None."""
    return element.find(_SR + name)


def children(element: etree._Element, name: str) -> list[etree._Element]:
    return element.findall(_SR + name)


def require(element: etree._Element, name: str) -> etree._Element:
    found = child(element, name)
    if found is None:
        raise BodyValueError(f"{_path(element)} has no {name}")
    return found


def text(element: etree._Element, name: str | None = None) -> str:
    node = element if name is None else require(element, name)
    return (node.text or "").strip()


def eui(element: etree._Element, name: str | None = None) -> Eui64:
    """The EUI-64 (a DUIS ``DeviceID`` and the like) in ``element`` or its child ``name``."""
    value = text(element, name)
    try:
        return Eui64.parse(value)
    except ValueError:
        raise BodyValueError(f"not an EUI-64: {value!r}") from None


def optional_text(element: etree._Element, name: str) -> str | None:
    node = child(element, name)
    return None if node is None else (node.text or "").strip()


def integer(
    element: etree._Element,
    name: str | None = None,
    *,
    low: int | None = None,
    high: int | None = None,
) -> int:
    node = element if name is None else require(element, name)
    raw = (node.text or "").strip()
    try:
        value = int(raw)
    except ValueError:
        raise BodyValueError(f"{_path(node)} is not an integer: {raw!r}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise BodyValueError(f"{_path(node)} = {value} is outside {low}..{high}")
    return value


def decimal(element: etree._Element, name: str | None = None) -> Decimal:
    node = element if name is None else require(element, name)
    raw = (node.text or "").strip()
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise BodyValueError(f"{_path(node)} is not a number: {raw!r}") from None


def boolean(element: etree._Element, name: str | None = None) -> bool:
    node = element if name is None else require(element, name)
    raw = (node.text or "").strip().lower()
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise BodyValueError(f"{_path(node)} is not a boolean: {raw!r}")


def timestamp(element: etree._Element, name: str | None = None) -> datetime:
    """An ``xs:dateTime`` (DUIS writes UTC with a ``Z``); naive values are taken as UTC."""
    node = element if name is None else require(element, name)
    raw = (node.text or "").strip()
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BodyValueError(f"{_path(node)} is not a date-time: {raw!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def day(element: etree._Element, name: str | None = None) -> date:
    node = element if name is None else require(element, name)
    raw = (node.text or "").strip().rstrip("Z")
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise BodyValueError(f"{_path(node)} is not a date: {raw!r}") from None


def hex_bytes(element: etree._Element, name: str | None = None) -> bytes:
    node = element if name is None else require(element, name)
    raw = (node.text or "").strip()
    try:
        return bytes.fromhex(raw)
    except ValueError:
        raise BodyValueError(f"{_path(node)} is not hex: {raw!r}") from None
