"""The DUIS bodies of the tariff and prepayment Service Requests, read into typed values.

Each reader takes the body element (schema-valid when it arrived, but read defensively)
and returns frozen values or raises ``BodyValueError`` naming the element; transforms turn
that into a ``TransformRefusal``. The shapes are the DUIS schema's (V5.4):

- 1.1.1 ``UpdateImportTariffPrimaryElement``: ``ElecTariffElements`` (currency, switching
  table, special days, threshold matrix) or ``GasTariffElements``, and ``PriceElements``;
- 1.1.2 ``UpdateImportTariffSecondaryElement``; 1.2.1 / 1.2.2 ``UpdatePrice*Element``;
- 1.5 ``UpdateMeterBalance``; 1.6 ``UpdatePaymentMode``; 2.1 ``UpdatePrepayConfiguration``;
  2.2 ``TopUpDevice``; 2.3 ``UpdateDebt``; 6.26 the daily block counter reset flag.

Dates: a DUIS ``Date`` (and the gas form with wildcards) becomes ``DuisDate``, whose fields
use the COSEM wildcard codes (0xFFFF any year, 0xFF any month, day or weekday, 0xFE the
last and 0xFD the second last day of the month) so both payload families can be written
from it: a COSEM date (5 octets) or a ZigBee date (year - 1900, month, day, weekday).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from lxml import etree

from opendcc.transform import duisxml as x
from opendcc.transform.duisxml import BodyValueError

ANY_YEAR: Final = 0xFFFF
ANY: Final = 0xFF
LAST_DAY: Final = 0xFE
SECOND_LAST_DAY: Final = 0xFD

_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})?$")
_DATE = re.compile(r"^(\d{4,5})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")


# --- dates and times -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DuisDate:
    """A calendar date that may hold wildcards (COSEM codes, see the module docstring)."""

    year: int
    month: int
    day: int
    day_of_week: int = ANY

    def cosem(self) -> bytes:
        return self.year.to_bytes(2, "big") + bytes((self.month, self.day, self.day_of_week))

    def zigbee(self) -> bytes:
        """ZCL Date: year - 1900 (0xFF any), month, day of month, day of week."""
        if self.year != ANY_YEAR and not 1900 <= self.year <= 2154:
            raise BodyValueError(f"year {self.year} cannot be carried in a ZigBee date")
        year = ANY if self.year == ANY_YEAR else self.year - 1900
        return bytes((year, self.month, self.day, self.day_of_week))


@dataclass(frozen=True, slots=True)
class TimeOfDay:
    hour: int
    minute: int
    second: int
    hundredths: int = 0

    def cosem(self) -> bytes:
        return bytes((self.hour, self.minute, self.second, self.hundredths))

    @property
    def minutes(self) -> int:
        """Minutes from midnight (ZigBee calendar schedule entries)."""
        return self.hour * 60 + self.minute


def time_of_day(element: etree._Element, name: str) -> TimeOfDay:
    node = x.require(element, name)
    raw = x.text(node)
    match = _TIME.match(raw)
    if match is None:
        raise BodyValueError(f"{name} is not a time of day: {raw!r}")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3])
    if hour > 23 or minute > 59 or second > 59:
        raise BodyValueError(f"{name} is not a time of day: {raw!r}")
    fraction = (match[4] or "0").ljust(2, "0")[:2]
    return TimeOfDay(hour, minute, second, int(fraction))


def schedule_date(element: etree._Element, name: str) -> DuisDate:
    """An ``xs:date`` that may name year 65535 ("any year"), as the non-disablement
    schedules of 2.1 do (``65535-04-29Z``)."""
    raw = x.text(element, name)
    match = _DATE.match(raw)
    if match is None:
        raise BodyValueError(f"{name} is not a date: {raw!r}")
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    if not 1 <= month <= 12 or not 1 <= day <= 31 or year > ANY_YEAR:
        raise BodyValueError(f"{name} is not a date: {raw!r}")
    return DuisDate(year, month, day)


def _choice(element: etree._Element, where: str, options: dict[str, int | None]) -> int:
    """The value of a DUIS choice element: a named wildcard, or a specified number."""
    for child in element:
        name = etree.QName(child).localname
        if name not in options:
            continue
        fixed = options[name]
        return x.integer(child) if fixed is None else fixed
    raise BodyValueError(f"{where} has none of {sorted(options)}")


def duis_date(element: etree._Element) -> DuisDate:
    """A DUIS ``Date`` (electricity) or ``GasDateWithWildcards`` element."""
    gas = x.child(element, "GasYearWithWildcards") is not None
    prefix = "Gas" if gas else ""
    year_el = x.require(element, f"{prefix}YearWithWildcards" if gas else "Year")
    month_el = x.require(element, f"{prefix}MonthWithWildcards" if gas else "Month")
    day_el = x.require(element, f"{prefix}DayOfMonthWithWildcards" if gas else "DayOfMonth")
    week_el = x.require(element, f"{prefix}DayOfWeekWithWildcards" if gas else "DayOfWeek")
    year = _choice(year_el, "Year", {"SpecifiedYear": None, "NonSpecifiedYear": ANY_YEAR})
    month = _choice(month_el, "Month", {"SpecifiedMonth": None, "NonSpecifiedMonth": ANY})
    day = _choice(
        day_el,
        "DayOfMonth",
        {
            "SpecifiedDayOfMonth": None,
            "LastDayOfMonth": LAST_DAY,
            "SecondLastDayOfMonth": SECOND_LAST_DAY,
            "NonSpecifiedDayOfMonth": ANY,
            "GasNonSpecifiedDayOfMonth": ANY,
        },
    )
    weekday = _choice(
        week_el, "DayOfWeek", {"SpecifiedDayOfWeek": None, "NonSpecifiedDayOfWeek": ANY}
    )
    if year != ANY_YEAR and not 1900 <= year < ANY_YEAR:
        raise BodyValueError(f"year out of range: {year}")
    if month != ANY and not 1 <= month <= 12:
        raise BodyValueError(f"month out of range: {month}")
    if day not in (SECOND_LAST_DAY, LAST_DAY, ANY) and not 1 <= day <= 31:
        raise BodyValueError(f"day of month out of range: {day}")
    if weekday != ANY and not 1 <= weekday <= 7:
        raise BodyValueError(f"day of week out of range: {weekday}")
    return DuisDate(year, month, day, weekday)


def _indexed(element: etree._Element, name: str, low: int, high: int) -> list[etree._Element]:
    """Children ``name`` in the order of their ``index`` attribute, which must be unique."""
    found: dict[int, etree._Element] = {}
    for child in x.children(element, name):
        raw = child.get("index", "")
        if not raw.isdigit() or not low <= int(raw) <= high or int(raw) in found:
            raise BodyValueError(f"{name} has a bad or repeated index {raw!r}")
        found[int(raw)] = child
    return [found[i] for i in sorted(found)]


def _indexed_values(
    element: etree._Element, name: str, low: int, high: int, *, value_low: int, value_high: int
) -> tuple[tuple[int, int], ...]:
    return tuple(
        (int(child.get("index", "0")), x.integer(child, low=value_low, high=value_high))
        for child in _indexed(element, name, low, high)
    )


def week_days(element: etree._Element, high: int) -> tuple[int, ...]:
    """The seven ``ReferencedDayName`` (index 1 Monday .. 7 Sunday) of a week profile."""
    days = _indexed(element, "ReferencedDayName", 1, 7)
    if len(days) != 7:
        raise BodyValueError("a week profile names seven days")
    return tuple(x.integer(d, low=1, high=high) for d in days)


# --- switching tables --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    start: TimeOfDay
    action: int
    """The script selector: 1-48 a TOU rate, 101-108 a block tariff, 201-204 a secondary
    TOU rate (ESME); a gas day profile's tier (0 for a block tariff)."""


@dataclass(frozen=True, slots=True)
class DayProfile:
    day_id: int
    entries: tuple[ScheduleEntry, ...]


@dataclass(frozen=True, slots=True)
class WeekProfile:
    week_id: int
    days: tuple[int, ...]
    """Day profile ids, Monday first."""


@dataclass(frozen=True, slots=True)
class Season:
    name: str
    start: DuisDate
    week_id: int


@dataclass(frozen=True, slots=True)
class SpecialDay:
    date: DuisDate
    day_id: int


@dataclass(frozen=True, slots=True)
class SwitchingTable:
    days: tuple[DayProfile, ...]
    weeks: tuple[WeekProfile, ...]
    seasons: tuple[Season, ...]


PRIMARY_BLOCK_BASE: Final = 100
SECONDARY_TOU_BASE: Final = 200


def _elec_switching(element: etree._Element, *, secondary: bool) -> SwitchingTable:
    days = []
    day_high = 16
    for profile in x.children(x.require(element, "DayProfiles"), "DayProfile"):
        entries = []
        for schedule in x.children(profile, "ProfileSchedule"):
            start = time_of_day(schedule, "StartTime")
            tou = x.child(schedule, "TOUTariffAction")
            block = x.child(schedule, "BlockTariffAction")
            if tou is not None:
                rate = x.integer(tou, low=1, high=4 if secondary else 48)
                action = SECONDARY_TOU_BASE + rate if secondary else rate
            elif block is not None and not secondary:
                action = PRIMARY_BLOCK_BASE + x.integer(block, low=1, high=8)
            else:
                raise BodyValueError("ProfileSchedule has no tariff action")
            entries.append(ScheduleEntry(start, action))
        if not entries:
            raise BodyValueError("a day profile needs a schedule")
        days.append(DayProfile(x.integer(profile, "DayName", low=1, high=day_high), tuple(entries)))
    weeks = [
        WeekProfile(x.integer(w, "WeekName", low=1, high=4), week_days(w, day_high))
        for w in x.children(x.require(element, "WeekProfiles"), "WeekProfile")
    ]
    seasons = []
    for s in x.children(x.require(element, "Seasons"), "Season"):
        name = x.text(s, "SeasonName")
        if len(name.encode("latin-1", "replace")) > 8:
            raise BodyValueError(f"SeasonName longer than 8 characters: {name!r}")
        seasons.append(
            Season(
                name,
                duis_date(x.require(s, "SeasonStartDate")),
                x.integer(s, "ReferencedWeekName", low=1, high=4),
            )
        )
    return _checked(SwitchingTable(tuple(days), tuple(weeks), tuple(seasons)))


def _checked(table: SwitchingTable) -> SwitchingTable:
    """Every reference resolves (a Device would refuse a table that points nowhere)."""
    day_ids = {d.day_id for d in table.days}
    week_ids = {w.week_id for w in table.weeks}
    if len(day_ids) != len(table.days) or len(week_ids) != len(table.weeks):
        raise BodyValueError("day or week profile names repeat")
    for week in table.weeks:
        missing = set(week.days) - day_ids
        if missing:
            raise BodyValueError(f"week {week.week_id} names undefined days {sorted(missing)}")
    for season in table.seasons:
        if season.week_id not in week_ids:
            raise BodyValueError(f"season names undefined week {season.week_id}")
    if not table.days or not table.weeks or not table.seasons:
        raise BodyValueError("a switching table needs days, weeks and seasons")
    return table


def _special_days(element: etree._Element, day_ids: set[int]) -> tuple[SpecialDay, ...]:
    found = []
    for special in x.children(element, "SpecialDay"):
        day = SpecialDay(
            duis_date(x.require(special, "Date")),
            x.integer(special, "ReferencedDayName", low=1, high=16),
        )
        if day.day_id not in day_ids:
            raise BodyValueError(f"special day names undefined day {day.day_id}")
        found.append(day)
    return tuple(found)


# --- electricity tariffs -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ElecTariffElements:
    currency: str
    """``GBP`` or ``ECB`` (the schema's name for the euro)."""
    switching: SwitchingTable
    special_days: tuple[SpecialDay, ...]
    thresholds: tuple[tuple[int, ...], ...]
    """Eight rates' block thresholds (one to three each, in the register's unit)."""


@dataclass(frozen=True, slots=True)
class ElecPrices:
    standing_charge: int
    standing_charge_scale: int
    price_scale: int
    tou: tuple[tuple[int, int], ...]
    """(rate 1-48, price) pairs."""
    blocks: tuple[tuple[int, int, int], ...]
    """(rate 1-8, block 1-4, price) triples."""


@dataclass(frozen=True, slots=True)
class SecondaryPrices:
    price_scale: int
    tou: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class SecondaryTariff:
    switching: SwitchingTable
    special_days: tuple[SpecialDay, ...]
    prices: SecondaryPrices


_PRICE: Final = {"value_low": -0x8000, "value_high": 0x7FFF}


def elec_tariff_elements(element: etree._Element) -> ElecTariffElements:
    currency = x.text(element, "CurrencyUnits")
    if currency not in ("GBP", "ECB"):
        raise BodyValueError(f"CurrencyUnits must be GBP or ECB, not {currency!r}")
    switching = _elec_switching(x.require(element, "SwitchingTable"), secondary=False)
    special = _special_days(x.require(element, "SpecialDays"), {d.day_id for d in switching.days})
    matrix = _indexed(x.require(element, "ThresholdMatrix"), "Thresholds", 1, 8)
    if len(matrix) != 8:
        raise BodyValueError("ThresholdMatrix names eight rates")
    thresholds = tuple(
        tuple(
            v
            for _, v in _indexed_values(
                rate, "BlockThreshold", 1, 3, value_low=0, value_high=0xFFFF_FFFF
            )
        )
        for rate in matrix
    )
    return ElecTariffElements(currency, switching, special, thresholds)


def elec_prices(element: etree._Element) -> ElecPrices:
    """``ElectricityPriceElements`` (primary element): block, TOU or hybrid."""
    scale = {"low": -128, "high": 127}
    standing = x.integer(element, "StandingCharge", low=-0x8000, high=0x7FFF)
    tou: tuple[tuple[int, int], ...] = ()
    blocks: list[tuple[int, int, int]] = []
    found = [x.child(element, n) for n in ("BlockTariff", "TOUTariff", "HybridTariff")]
    tariff = next((t for t in found if t is not None), None)
    if tariff is None:
        raise BodyValueError("ElectricityPriceElements has no tariff")
    for rate in _indexed(tariff, "BlockPrices", 1, 8):
        for block, price in _indexed_values(rate, "BlockPrice", 1, 4, **_PRICE):
            blocks.append((int(rate.get("index", "0")), block, price))
    tou = _indexed_values(tariff, "TOUPrice", 1, 48, **_PRICE)
    return ElecPrices(
        standing,
        x.integer(element, "StandingChargeScale", **scale),
        x.integer(element, "PriceScale", **scale),
        tou,
        tuple(blocks),
    )


def secondary_prices(element: etree._Element) -> SecondaryPrices:
    return SecondaryPrices(
        x.integer(element, "PriceScale", low=-128, high=127),
        _indexed_values(element, "ElectricityPriceElement", 1, 4, **_PRICE),
    )


def secondary_tariff(element: etree._Element) -> SecondaryTariff:
    switching = _elec_switching(x.require(element, "SwitchingTable"), secondary=True)
    special = _special_days(x.require(element, "SpecialDays"), {d.day_id for d in switching.days})
    return SecondaryTariff(
        switching, special, secondary_prices(x.require(element, "PriceElements"))
    )


# --- gas tariffs -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GasTariffElements:
    switching: SwitchingTable
    special_days: tuple[SpecialDay, ...]
    thresholds: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class GasPrices:
    currency: str
    standing_charge: int
    block_prices: tuple[tuple[int, int], ...]
    """(block 1-4, price); empty for a TOU tariff."""
    number_of_thresholds: int | None
    tou_prices: tuple[tuple[int, int], ...]
    """(tier 1-4, price); empty for a block tariff."""

    @property
    def is_block(self) -> bool:
        return bool(self.block_prices)


def gas_tariff_elements(element: etree._Element) -> GasTariffElements:
    table = x.require(element, "SwitchingTable")
    days = []
    for profile in x.children(x.require(table, "DayProfiles"), "DayProfile"):
        tou = x.child(profile, "TOUTariffAction")
        action = x.integer(tou, low=1, high=4) if tou is not None else 0
        if tou is None and x.child(profile, "BlockTariff") is None:
            raise BodyValueError("a gas day profile needs TOUTariffAction or BlockTariff")
        days.append(
            DayProfile(
                x.integer(profile, "DayName", low=1, high=4),
                (ScheduleEntry(TimeOfDay(0, 0, 0), action),),
            )
        )
    weeks = [
        WeekProfile(x.integer(w, "WeekName", low=1, high=2), week_days(w, 4))
        for w in x.children(x.require(table, "WeekProfiles"), "WeekProfile")
    ]
    seasons = [
        Season(
            "",
            duis_date(x.require(s, "SeasonStartDate")),
            x.integer(s, "ReferencedWeekName", low=1, high=2),
        )
        for s in x.children(x.require(table, "Seasons"), "Season")
    ]
    switching = _checked(SwitchingTable(tuple(days), tuple(weeks), tuple(seasons)))
    special = _special_days(x.require(element, "SpecialDays"), {d.day_id for d in switching.days})
    thresholds = tuple(
        v
        for _, v in _indexed_values(
            x.require(element, "ThresholdMatrix"),
            "BlockThreshold",
            1,
            3,
            value_low=0,
            value_high=0xFFFF_FFFF_FFFF,
        )
    )
    return GasTariffElements(switching, special, thresholds)


def gas_prices(element: etree._Element) -> GasPrices:
    currency = x.text(element, "CurrencyUnits")
    if currency not in ("GBP", "ECB"):
        raise BodyValueError(f"CurrencyUnits must be GBP or ECB, not {currency!r}")
    standing = x.integer(element, "StandingCharge", low=0, high=0xFFFF_FFFF)
    block = x.child(element, "BlockTariff")
    tou = x.child(element, "TOUTariff")
    money = {"value_low": 0, "value_high": 0xFFFF_FFFF}
    if block is not None:
        return GasPrices(
            currency,
            standing,
            _indexed_values(block, "BlockPrice", 1, 4, **money),
            x.integer(block, "NumberOfThresholds", low=1, high=3),
            (),
        )
    if tou is not None:
        return GasPrices(
            currency, standing, (), None, _indexed_values(tou, "TOUPrice", 1, 4, **money)
        )
    raise BodyValueError("GasPriceElements has neither BlockTariff nor TOUTariff")


# --- prepayment ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeterBalanceUpdate:
    prepayment_mode: bool
    adjustment: int | None
    """The signed adjustment, or None for a reset to zero."""


def meter_balance_update(element: etree._Element) -> MeterBalanceUpdate:
    for mode in ("PrepaymentMode", "CreditMode"):
        node = x.child(element, mode)
        if node is None:
            continue
        adjust = x.child(node, "AdjustMeterBalance")
        if adjust is not None:
            return MeterBalanceUpdate(
                mode == "PrepaymentMode", x.integer(adjust, low=-(2**31), high=2**31 - 1)
            )
        if x.child(node, "ResetMeterBalance") is not None:
            return MeterBalanceUpdate(mode == "PrepaymentMode", None)
        raise BodyValueError(f"{mode} has neither AdjustMeterBalance nor ResetMeterBalance")
    raise BodyValueError("UpdateMeterBalance names neither PrepaymentMode nor CreditMode")


@dataclass(frozen=True, slots=True)
class PaymentMode:
    prepayment: bool
    suspend_debt_disabled: bool = False
    suspend_debt_emergency: bool = False
    disablement_threshold: int = 0


def payment_mode(element: etree._Element) -> PaymentMode:
    if x.child(element, "Credit") is not None:
        return PaymentMode(False)
    node = x.child(element, "Prepayment")
    if node is None:
        raise BodyValueError("UpdatePaymentMode names neither Credit nor Prepayment")
    return PaymentMode(
        True,
        x.boolean(node, "SuspendDebtDisabled"),
        x.boolean(node, "SuspendDebtEmergency"),
        x.integer(node, "DisablementThreshold", low=-(2**31), high=2**31 - 1),
    )


@dataclass(frozen=True, slots=True)
class DebtRecovery:
    rate: int
    scale: int
    """The rate's price scale (electricity); 0 for gas."""
    hourly: bool


@dataclass(frozen=True, slots=True)
class DebtUpdate:
    time_debt_1: int
    time_debt_2: int
    payment_debt: int
    recovery_per_payment: int
    """Hundredths of a percent of each top-up (0-10000)."""
    recovery_1: DebtRecovery
    recovery_2: DebtRecovery
    gas: bool


def debt_update(element: etree._Element) -> DebtUpdate:
    int32 = {"low": -(2**31), "high": 2**31 - 1}
    gas = x.child(element, "GasDebtRecovery1") is not None
    prefix = "Gas" if gas else "Elec"

    def recovery(n: int) -> DebtRecovery:
        node = x.require(element, f"{prefix}DebtRecovery{n}")
        period = x.text(node, "DebtRecoveryRatePeriod")
        if period not in ("HOURLY", "DAILY"):
            raise BodyValueError(f"DebtRecoveryRatePeriod must be HOURLY or DAILY: {period!r}")
        rate_range = int32 if gas else {"low": -0x8000, "high": 0x7FFF}
        return DebtRecovery(
            x.integer(node, "DebtRecoveryRate", **rate_range),
            0 if gas else x.integer(node, "DebtRecoveryRatePriceScale", low=-128, high=127),
            period == "HOURLY",
        )

    return DebtUpdate(
        x.integer(element, "TimeDebtRegister1", **int32),
        x.integer(element, "TimeDebtRegister2", **int32),
        x.integer(element, "PaymentDebtRegister", **int32),
        x.integer(element, "DebtRecoveryPerPayment", low=0, high=10000),
        recovery(1),
        recovery(2),
        gas,
    )


def utrn(element: etree._Element) -> str:
    value = x.text(element, "UTRN")
    if len(value) != 20 or not value.isdigit() or not value.isascii():
        raise BodyValueError(f"UTRN must be twenty digits: {value!r}")
    return value


# --- prepayment configuration (2.1) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NonDisablementSchedule:
    """One row of the electricity non-disablement calendar (a DLMS schedule entry)."""

    start: bool
    """START (the period of non-disablement begins) or STOP."""
    special_days: tuple[int, ...]
    week_days: tuple[int, ...]
    """1 Monday .. 7 Sunday."""
    switch_time: TimeOfDay
    begin: DuisDate
    end: DuisDate


@dataclass(frozen=True, slots=True)
class ElecPrepayConfiguration:
    debt_recovery_rate_cap: int
    emergency_credit_limit: int
    emergency_credit_threshold: int
    low_credit_threshold: int
    special_days: tuple[tuple[int, DuisDate], ...]
    """(index 1-20, date) of the non-disablement special days."""
    schedules: tuple[NonDisablementSchedule, ...]
    max_meter_balance: int
    max_credit_threshold: int


@dataclass(frozen=True, slots=True)
class GasPrepayConfiguration:
    debt_recovery_rate_cap: int
    emergency_credit_limit: int
    emergency_credit_threshold: int
    low_credit_threshold: int
    calendar: SwitchingTable
    """The non-disablement (friendly credit) calendar: actions 1 START, 0 STOP."""
    special_days: tuple[SpecialDay, ...]
    max_meter_balance: int
    max_credit_threshold: int


_WEEKDAYS: Final = {
    "Monday": 1,
    "Tuesday": 2,
    "Wednesday": 3,
    "Thursday": 4,
    "Friday": 5,
    "Saturday": 6,
    "Sunday": 7,
}


def _script(node: etree._Element, name: str) -> bool:
    value = x.text(node, name)
    if value not in ("START", "STOP"):
        raise BodyValueError(f"{name} must be START or STOP: {value!r}")
    return value == "START"


def elec_prepay_configuration(element: etree._Element) -> ElecPrepayConfiguration:
    int32 = {"low": -(2**31), "high": 2**31 - 1}
    calendar = x.require(element, "ElectricityNonDisablementCalendar")
    special = tuple(
        (int(day.get("index", "0")), duis_date(x.require(day, "Date")))
        for day in _indexed(x.require(calendar, "ElectricitySpecialDays"), "SpecialDay", 1, 20)
    )
    defined = {index for index, _ in special}
    schedules = []
    for row in x.children(calendar, "ElectricityNonDisablementSchedule"):
        days = tuple(
            x.integer(d, "SpecialDayID", low=1, high=20)
            for d in x.children(
                x.require(row, "SpecialDaysApplicability"), "SpecialDayApplicability"
            )
        )
        if set(days) - defined:
            raise BodyValueError(f"a schedule names undefined special days {days}")
        weekdays = []
        for d in x.children(x.require(row, "DaysOfWeekApplicability"), "DayOfWeekApplicability"):
            name = x.text(d, "DayOfWeekID")
            if name not in _WEEKDAYS:
                raise BodyValueError(f"not a day of the week: {name!r}")
            weekdays.append(_WEEKDAYS[name])
        dates = x.require(row, "ScheduleDatesAndTime")
        schedules.append(
            NonDisablementSchedule(
                _script(row, "NonDisablementScript"),
                days,
                tuple(weekdays),
                time_of_day(dates, "SwitchTime"),
                schedule_date(dates, "StartDate"),
                schedule_date(dates, "EndDate"),
            )
        )
    if not 1 <= len(schedules) <= 22:
        raise BodyValueError("the non-disablement calendar holds 1 to 22 schedules")
    return ElecPrepayConfiguration(
        x.integer(element, "DebtRecoveryRateCap", low=0, high=0xFFFF),
        x.integer(element, "EmergencyCreditLimit", **int32),
        x.integer(element, "EmergencyCreditThreshold", **int32),
        x.integer(element, "LowCreditThreshold", **int32),
        special,
        tuple(schedules),
        x.integer(element, "MaxMeterBalance", **int32),
        x.integer(element, "MaxCreditThreshold", **int32),
    )


def gas_prepay_configuration(element: etree._Element) -> GasPrepayConfiguration:
    uint32 = {"low": 0, "high": 0xFFFF_FFFF}
    calendar = x.require(element, "GasNonDisablementCalendar")
    days = []
    for profile in x.children(x.require(calendar, "DayProfiles"), "GasNonDisablementDayProfile"):
        entries = tuple(
            ScheduleEntry(time_of_day(a, "StartTime"), int(_script(a, "NonDisablementAction")))
            for a in x.children(profile, "TimeStartAction")
        )
        if not entries:
            raise BodyValueError("a non-disablement day profile needs a start action")
        days.append(DayProfile(x.integer(profile, "GasDayName", low=1, high=5), entries))
    weeks = [
        WeekProfile(x.integer(w, "WeekName", low=1, high=2), week_days(w, 5))
        for w in x.children(x.require(calendar, "WeekProfiles"), "WeekProfile")
    ]
    seasons = [
        Season(
            "",
            duis_date(x.require(s, "SeasonStartDate")),
            x.integer(s, "ReferencedWeekName", low=1, high=2),
        )
        for s in x.children(x.require(calendar, "SeasonProfiles"), "Season")
    ]
    table = _checked(SwitchingTable(tuple(days), tuple(weeks), tuple(seasons)))
    special = tuple(
        SpecialDay(
            duis_date(x.require(s, "Date")), x.integer(s, "ReferencedDayName", low=1, high=5)
        )
        for s in x.children(x.require(calendar, "SpecialDays"), "SpecialDay")
    )
    if any(s.day_id not in {d.day_id for d in days} for s in special):
        raise BodyValueError("a special day names an undefined day profile")
    return GasPrepayConfiguration(
        x.integer(element, "DebtRecoveryRateCap", **uint32),
        x.integer(element, "EmergencyCreditLimit", **uint32),
        x.integer(element, "EmergencyCreditThreshold", **uint32),
        x.integer(element, "LowCreditThreshold", **uint32),
        table,
        special,
        x.integer(element, "MaxMeterBalance", **uint32),
        x.integer(element, "MaxCreditThreshold", **uint32),
    )
