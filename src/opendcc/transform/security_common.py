"""What the security, HAN and firmware transforms share: refusals, DCC parties, dates.

The transforms of this family (``security_credentials``, ``security_han``,
``security_firmware``) read DUIS bodies with ``transform.duisxml``; every way a body value
can be unusable becomes a ``TransformRefusal`` here, with the DUIS response code of the
Service Reference Variant.

Response codes: the DUIS schema lists per-variant codes ``E<srv>NN`` without their
meanings. Where a service reference has two variants, the codes split by number (8.7:
E080702 for 8.7.1, E080721-23 for 8.7.2; 8.8: E080801 / E080821-22; 8.12: E081202-05 /
E081221-23), so opendcc takes the lowest code of the variant's own range as its "the
request cannot be carried out as asked" answer. Variants with no code of their own
(6.15.2, 6.17, 6.24.2, 8.1.1, 11.2, 11.3) answer E100, the schema's general validation
failure. This is opendcc's reading of the schema, not a DUIS table.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Final

from lxml import etree

from opendcc.eui import DCC_TRANSITIONAL_COS, Eui64
from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.der import Certificate
from opendcc.gbcs.der.tlv import SEQUENCE, Reader
from opendcc.transform import duisxml
from opendcc.transform.duisxml import BodyValueError
from opendcc.transform.registry import (
    CommandSpec,
    TransformInput,
    TransformRefusal,
)

TRANSITIONAL_COS_PARTY: Final = DCC_TRANSITIONAL_COS
"""The DCC's Transitional Change of Supplier Party (its DS key is in the DCC Boxed keys)."""

GENERAL_REFUSAL: Final = "E100"

REFUSAL_CODES: Final[dict[str, str]] = {
    "6.15.1": "E061501",
    "6.21": "E062101",
    "6.23": "E062301",
    "6.24.1": "E062401",
    "8.5": "E080501",
    "8.7.1": "E080702",
    "8.7.2": "E080721",
    "8.8.1": "E080801",
    "8.8.2": "E080821",
    "8.9": "E080901",
    "8.11": "E081101",
    "8.12.1": "E081202",
    "8.12.2": "E081221",
}
"""The code each variant refuses with (see the module docstring for the reading)."""

GBCS_CANCELLATION: Final = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
"""How a DER Command cancels a held one: the reference Commands write 9999-12-31T23:59:59Z
where the DUIS request says 3000-12-31."""

DUIS_CANCELLATION_YEAR: Final = 3000

MAX_CERTIFICATE_BYTES: Final = 4096
"""Far above any SMKI certificate (about 420 octets); a bound on hostile input."""


class RefusalError(Exception):
    """Raised inside a transform to refuse; ``refusing`` turns it into the value."""

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def refusal(variant: str, reason: str, code: str | None = None) -> TransformRefusal:
    return TransformRefusal(code or REFUSAL_CODES.get(variant, GENERAL_REFUSAL), reason)


@contextmanager
def refusing() -> Iterator[None]:
    """Turn the typed errors a transform may meet into ``RefusalError``."""
    try:
        yield
    except BodyValueError as exc:
        raise RefusalError(str(exc)) from None
    except (GbcsEncodeError, GbcsDecodeError) as exc:
        raise RefusalError(f"the Command cannot carry this value: {exc}") from None
    except OverflowError as exc:  # date-time arithmetic past year 9999 (8.1.1's window end)
        raise RefusalError(f"a value is out of range: {exc}") from None


def run(
    request: TransformInput, build: Callable[[TransformInput], CommandSpec]
) -> CommandSpec | TransformRefusal:
    """Call ``build``; a ``RefusalError`` (or a body or codec error) becomes a refusal."""
    try:
        with refusing():
            return build(request)
    except RefusalError as exc:
        return refusal(request.variant, exc.reason, exc.code)


def execution_time(request: TransformInput) -> datetime | None:
    """The execution date-time of a Device-held future-dated request, GBCS-ready.

    The hub passes ``ExecutionDateTime`` as ``execution_at``; a body read directly (the
    CLI, tests) gives it in the body element. The DUIS cancellation date (3000-12-31)
    becomes the GBCS one. A date in the past is refused: the Device would never run it.
    """
    when = request.execution_at
    if when is None:
        node = duisxml.child(request.body, "ExecutionDateTime")
        if node is None:
            return None
        when = duisxml.timestamp(node)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    if when.year == DUIS_CANCELLATION_YEAR:
        return GBCS_CANCELLATION
    if when <= request.now:
        raise RefusalError(f"ExecutionDateTime {when.isoformat()} is not in the future")
    return when.astimezone(UTC).replace(microsecond=0)


def certificate(element: etree._Element, name: str | None = None) -> Certificate:
    """A base64 DER certificate from the body, carried verbatim into the Command.

    The DCC checks certificates against the SMKI repository before it transforms (the
    hub's job); here the value must at least be one DER SEQUENCE of sane size.
    """
    node = element if name is None else duisxml.require(element, name)
    raw = "".join((node.text or "").split())
    try:
        der = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise RefusalError(f"{etree.QName(node).localname} is not base64") from None
    if not der or len(der) > MAX_CERTIFICATE_BYTES:
        raise RefusalError(f"{etree.QName(node).localname} is not a certificate")
    try:
        reader = Reader(der)
        reader.element(SEQUENCE)
        reader.finish()
    except GbcsDecodeError:
        raise RefusalError(f"{etree.QName(node).localname} is not one DER certificate") from None
    return Certificate(der)


def optional_certificate(element: etree._Element, name: str) -> Certificate | None:
    node = duisxml.child(element, name)
    return None if node is None else certificate(node)


def other_device_id(request: TransformInput, name: str = "OtherDeviceID") -> Eui64:
    text = duisxml.text(request.body, name)
    try:
        return Eui64.parse(text)
    except ValueError:
        raise RefusalError(f"{name} is not an EUI-64: {text!r}") from None
