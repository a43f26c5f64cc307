"""User units: what a payload's figure means, and the figure a person reads.

Conversions (each from what the payload carries, never guessed from a name where the
payload says more):

- energy registers: Wh with the register's scaler (DLMS ``scaler_unit``) to **kWh**; varh
  to kvarh; gas volumes in **m3** as the GBZ codec scales them (Multiplier / Divisor);
- money: GBCS devices count money in 1/100000 of the currency unit (DUIS MMC 5.4 names the
  unit "Millipence" / "Millicent"; prices carry the matching price scale -5), so amounts
  become **currency units** (``Decimal``; GBP unless the payload names another currency);
  prices given with their own scaler (DLMS ``Quantity``) or already scaled (GBZ) are kept;
- date-times: ISO 8601 from the codecs, DLMS 12-octet date-times, to **UTC datetimes**;
  patterns with wildcards stay text;
- supply state: the DLMS disconnect control state and the GBZ supply status to DUIS's
  words **Enabled**, **Disabled**, **Armed**;
- alert and event codes: named from ``opendcc.gbcs.alert_codes``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from opendcc.gbcs import alert_codes
from opendcc.gbcs.context import GbcsDecodeError
from opendcc.gbcs.date_time import DlmsDateTime

from .records import NamedValue, ValueKind

MONEY_SCALE: Final = Decimal("0.00001")
"""One device money unit in currency units (1/100000: DUIS MMC "Millipence")."""
DEFAULT_CURRENCY: Final = "GBP"

MONEY_NAMES: Final = frozenset(
    {
        "MeterBalance",
        "MeterBalancePrepaymentMode",
        "EmergencyCreditBalance",
        "AccumulatedDebtRegister",
        "PaymentDebtRegister",
        "TimeDebtRegisters1",
        "TimeDebtRegisters2",
        "TimeDebtRegister1",
        "TimeDebtRegister2",
        "EmergencyCreditLimit",
        "EmergencyCreditThreshold",
        "LowCreditThreshold",
        "CreditMaxCreditThreshold",
        "MaxCreditMaxMeterBalance",
        "DebtRecoveryRateCap",
        "DebtRecoveryRate",
        "DisablementThreshold",
        "CreditRemaining",
        "TopUpValue",
        "Amount",
        "OutstandingDebt",
        "AdjustMeterBalance",
        "TotalCreditAmount",
    }
)
"""Named values that are amounts of money (DUIS MMC names, as the codecs give them)."""

SUPPLY_STATE_NAMES: Final = frozenset({"SupplyState", "SupplyStatus", "supply_status"})
SUPPLY_WORDS: Final[dict[str, str]] = {
    "connected": "Enabled",
    "enabled": "Enabled",
    "on": "Enabled",
    "disconnected": "Disabled",
    "disabled": "Disabled",
    "off": "Disabled",
    "readyforreconnection": "Armed",
    "ready_for_reconnection": "Armed",
    "armed": "Armed",
}
"""DLMS disconnect control states (Blue Book class 70: disconnected, connected, ready for
reconnection) and GBZ supply statuses (Off, On, Armed) as DUIS words."""
ALERT_CODE_NAMES: Final = frozenset({"AlertCode", "alert_code"})
EVENT_CODE_NAMES: Final = frozenset({"LogCode", "EventCode"})
UNIT_KINDS: Final[dict[str, ValueKind]] = {
    "w": ValueKind.POWER,
    "kw": ValueKind.POWER,
    "v": ValueKind.VOLTAGE,
    "a": ValueKind.CURRENT,
    "s": ValueKind.DURATION,
    "count": ValueKind.COUNT,
    "m3": ValueKind.VOLUME,
    "kwh": ValueKind.ENERGY,
}


def leaf_name(path: str) -> str:
    """The last name of a path, without index or attribute (``Log[2]/MeterBalance`` ->
    ``MeterBalance``; ``MeterBalance.value`` -> ``MeterBalance``)."""
    last = path.rsplit("/", 1)[-1].split("[", 1)[0]
    return last.split(".", 1)[0]


def quantity(path: str, node: dict[str, Any], currency: str) -> NamedValue:
    """A DLMS ``Quantity`` ``{value, scaler, unit, amount}`` in user units."""
    unit = str(node.get("unit") or "")
    amount = _decimal(node.get("amount"))
    if amount is None:
        amount = _decimal(node.get("value")) or Decimal(0)
    lowered = unit.lower()
    if lowered == "wh":
        return NamedValue(path, _plain(amount / 1000), "kWh", ValueKind.ENERGY, node)
    if lowered == "varh":
        return NamedValue(path, _plain(amount / 1000), "kvarh", ValueKind.REACTIVE_ENERGY, node)
    if lowered in ("other", "currency"):
        kind = ValueKind.PRICE if "price" in path.lower() else ValueKind.MONEY
        return NamedValue(path, amount, currency, kind, node)
    kind = UNIT_KINDS.get(lowered, ValueKind.NUMBER)
    return NamedValue(path, _plain(amount), unit or None, kind, node)


def register(path: str, node: dict[str, Any]) -> NamedValue:
    """A GBZ register ``{Raw, Value, Unit}``: scaled when the payload gave the scaling."""
    unit = node.get("Unit")
    value = _decimal(node.get("Value"))
    if value is not None and isinstance(unit, str):
        lowered = unit.lower()
        if lowered == "kwh":
            return NamedValue(path, value, "kWh", ValueKind.ENERGY, node)
        if lowered in ("m3", "ft3"):
            return NamedValue(path, value, unit, ValueKind.VOLUME, node)
        return NamedValue(path, value, unit, UNIT_KINDS.get(lowered, ValueKind.NUMBER), node)
    raw = node.get("Raw")
    return NamedValue(path, raw if isinstance(raw, int) else None, None, ValueKind.REGISTER, node)


def scalar(path: str, value: Any, currency: str) -> NamedValue:
    """Any other leaf value, by what it is and what it is called."""
    name = leaf_name(path)
    if isinstance(value, bool):
        return NamedValue(path, value, None, ValueKind.FLAG, value)
    if isinstance(value, int):
        if name in MONEY_NAMES:
            return NamedValue(path, money(value), currency, ValueKind.MONEY, value)
        return NamedValue(path, value, None, ValueKind.NUMBER, value)
    if isinstance(value, float):
        return NamedValue(path, Decimal(str(value)), None, ValueKind.NUMBER, value)
    if value is None:
        return NamedValue(path, None, None, ValueKind.TEXT, None)
    if not isinstance(value, str):
        return NamedValue(path, str(value), None, ValueKind.TEXT, value)
    if name in SUPPLY_STATE_NAMES:
        word = SUPPLY_WORDS.get(value.replace(" ", "").lower())
        if word is not None:
            return NamedValue(path, word, None, ValueKind.SUPPLY_STATE, value)
    if name in ALERT_CODE_NAMES or name in EVENT_CODE_NAMES:
        kind = ValueKind.ALERT_CODE if name in ALERT_CODE_NAMES else ValueKind.EVENT_CODE
        return NamedValue(path, value.upper(), None, kind, value)
    moment = utc(value)
    if moment is not None:
        return NamedValue(path, moment, None, ValueKind.TIMESTAMP, value)
    if value == "success":
        return NamedValue(path, value, None, ValueKind.RESULT, value)
    if name in MONEY_NAMES:
        amount = _decimal(value)
        if amount is not None:
            return NamedValue(path, amount, currency, ValueKind.MONEY, value)
    if "*" in value and any(c.isdigit() for c in value):
        return NamedValue(path, value, None, ValueKind.DATE_PATTERN, value)
    if _is_eui(value):
        return NamedValue(path, value, None, ValueKind.IDENTIFIER, value)
    return NamedValue(path, value, None, ValueKind.TEXT, value)


def money(units: int) -> Decimal:
    """Device money units as currency units."""
    return (Decimal(units) * MONEY_SCALE).quantize(MONEY_SCALE)


def alert_name(code: str | None) -> str | None:
    """The GBCS name of a hex alert code (``8F66``)."""
    if not code:
        return None
    try:
        found = alert_codes.lookup(int(code, 16))
    except ValueError:
        return None
    return found.name if found else None


def utc(text: str) -> datetime | None:
    """An ISO 8601 instant or a DLMS date-time octet string (hex) as a UTC datetime."""
    stripped = text.strip()
    if len(stripped) == 24 and all(c in "0123456789abcdefABCDEF" for c in stripped):
        try:
            moment = DlmsDateTime.from_bytes(bytes.fromhex(stripped)).to_datetime()
        except (ValueError, GbcsDecodeError):
            return None
        if moment is None:
            return None
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    if len(stripped) < 19 or stripped[4:5] != "-" or stripped[10:11] not in ("T", " "):
        return None
    try:
        moment = datetime.fromisoformat(stripped.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _plain(amount: Decimal) -> Decimal:
    """Without a trailing exponent (``1E+1`` -> ``10``), exactly; a figure too large for
    that (a hostile scaler) is kept as it is."""
    try:
        if amount == amount.to_integral_value():
            return amount.quantize(Decimal(1))
        return amount.normalize()
    except InvalidOperation:
        return amount


def _is_eui(text: str) -> bool:
    parts = text.split("-")
    return len(parts) == 8 and all(len(p) == 2 for p in parts)
