"""Transforms of the Communications Hub sub-GHz requests (DUIS 6.28 to 6.32; dual-band CHF).

- 6.28 Set CHF Sub GHz Configuration: DBCH04 sets ``0-0:94.44.10.0``.
- 6.29 Request CHF Sub GHz Channel Scan: DBCH05 sets the scan request ``0-0:94.44.10.1``.
- 6.30 Read CHF Sub GHz Configuration: DBCH03 gets ``0-0:94.44.10.0``.
- 6.31 Read CHF Sub GHz Channel: DBCH01 gets the operating channel ``0-0:94.44.10.2``.
- 6.32 Read CHF Sub GHz Channel Log: DBCH02 gets the log ``0-0:94.44.10.3`` over a range.

The CHF trusts only the DCC, so the Access Control Broker originates these Commands.

The configuration structure, in GBCS order: four 32-bit channel masks (the ZigBee sub-GHz
channel page in the top five bits, 28 to 31, then one bit per channel of the page counted
from the least significant end: lower band 0-26, 27-34, 35-61, upper band 0-26); the
normal/limited and limited/critical duty cycle thresholds (percent, in hundredths,
long-unsigned); the maximum channel changes per week (unsigned); the GSME curfew
(long-unsigned); the channel quieter and noisier thresholds (unsigned); the non-GSME poor
communications percentage (hundredths, long-unsigned) and measurement periods (unsigned);
the local CH noise measurement period (long-unsigned); the local CH failure and retry
percentages (hundredths, long-unsigned). The reference DBCH04 Command shows each.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from lxml import etree

from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.data import BitString, Data, LongUnsigned, Unsigned
from opendcc.inventory.model import DeviceType
from opendcc.transform import duisxml as x
from opendcc.transform.config_common import RefusalError, dlms_spec, get, guarded, set_
from opendcc.transform.registry import CommandSpec, TransformInput, transforms

C = DeviceType.CHF

CONFIGURATION: Final = "0-0:94.44.10.0"
SCAN_REQUEST: Final = "0-0:94.44.10.1"
OPERATING_CHANNEL: Final = "0-0:94.44.10.2"
CHANNEL_LOG: Final = "0-0:94.44.10.3"
SCAN_NOW: Final = 0

# DUIS mask element -> (ZigBee channel page, first channel number, last channel number)
CHANNEL_MASKS: Final[tuple[tuple[str, int, int, int], ...]] = (
    ("LowerBandSubGHzChannels0To26", 28, 0, 26),
    ("LowerBandSubGHzChannels27To34", 29, 27, 34),
    ("LowerBandSubGHzChannels35To61", 30, 35, 61),
    ("UpperBandSubGHzChannels0To26", 31, 0, 26),
)

# DUIS element -> (A-XDR type, hundredths?) for the configuration after the masks.
_FIELDS: Final[tuple[tuple[str, type[Unsigned] | type[LongUnsigned], bool], ...]] = (
    ("NormalLimitedDutyCycleThreshold", LongUnsigned, True),
    ("LimitedCriticalDutyCycleThreshold", LongUnsigned, True),
    ("MaximumSubGHzChannelChangesPerWeek", Unsigned, False),
    ("GSMECurfew", LongUnsigned, False),
    ("ChannelQuieterThreshold", Unsigned, False),
    ("ChannelNoisierThreshold", Unsigned, False),
    ("NonGSMEPoorCommsPercentageThreshold", LongUnsigned, True),
    ("NonGSMEPoorCommsMeasurementPeriods", Unsigned, False),
    ("LocalCHNoiseMeasurementPeriod", LongUnsigned, False),
    ("LocalCHFailurePercentage", LongUnsigned, True),
    ("LocalCHRetryPercentage", LongUnsigned, True),
)


def channel_mask(node: etree._Element, page: int, first: int, last: int) -> BitString:
    """A 32-bit ZigBee channel mask: page in the top five bits, channels below."""
    value = page << 27
    for child in node:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        number = int(name.removeprefix("Channel")) if name.startswith("Channel") else -1
        if not first <= number <= last:
            raise x.BodyValueError(f"{name} is not a channel of {etree.QName(node).localname}")
        value |= 1 << (number - first)
    return BitString(32, value.to_bytes(4, "big"))


def _hundredths(value: Decimal, name: str) -> int:
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise x.BodyValueError(f"{name} {value} has more than two decimal places")
    return int(scaled)


def configuration(body: etree._Element) -> Data:
    items: list[Data] = [
        channel_mask(x.require(body, name), page, first, last)
        for name, page, first, last in CHANNEL_MASKS
    ]
    for name, kind, hundredths in _FIELDS:
        value = _hundredths(x.decimal(body, name), name) if hundredths else x.integer(body, name)
        items.append(kind(value))  # the integer types refuse out-of-range values
    return b.structure(*items)


@transforms("6.28", C)
@guarded
def set_subghz_configuration(request: TransformInput) -> CommandSpec:
    """6.28: DBCH04. Thresholds the CHF cannot take in its order are refused (E062802)."""
    body = request.body
    normal = x.decimal(body, "NormalLimitedDutyCycleThreshold")
    critical = x.decimal(body, "LimitedCriticalDutyCycleThreshold")
    if normal >= critical:
        raise RefusalError(
            "the normal/limited threshold must be below the limited/critical", "E062802"
        )
    quieter = x.integer(body, "ChannelQuieterThreshold")
    noisier = x.integer(body, "ChannelNoisierThreshold")
    if noisier < 0 or quieter < 0:
        raise RefusalError("channel thresholds are not negative", "E062803")
    return dlms_spec(request, "DBCH04", [set_(1, CONFIGURATION, 2, configuration(body))])


@transforms("6.29", C)
@guarded
def request_channel_scan(request: TransformInput) -> CommandSpec:
    """6.29: DBCH05."""
    return dlms_spec(request, "DBCH05", [set_(1, SCAN_REQUEST, 2, Unsigned(SCAN_NOW))])


@transforms("6.30", C)
@guarded
def read_subghz_configuration(request: TransformInput) -> CommandSpec:
    """6.30: DBCH03."""
    return dlms_spec(request, "DBCH03", [get(1, CONFIGURATION, 2)])


@transforms("6.31", C)
@guarded
def read_subghz_channel(request: TransformInput) -> CommandSpec:
    """6.31: DBCH01."""
    return dlms_spec(request, "DBCH01", [get(1, OPERATING_CHANNEL, 2)])


@transforms("6.32", C)
@guarded
def read_subghz_channel_log(request: TransformInput) -> CommandSpec:
    """6.32: DBCH02, the log entries between StartDateTime and EndDateTime."""
    period = x.require(request.body, "ReadLogPeriod")
    start = x.timestamp(period, "StartDateTime")
    end = x.timestamp(period, "EndDateTime")
    if end < start:
        raise x.BodyValueError("the log period ends before it starts")
    return dlms_spec(request, "DBCH02", [b.get(7, CHANNEL_LOG, 2, access=b.time_range(start, end))])
