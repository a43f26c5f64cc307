"""Transforms of the auxiliary load control configuration (DUIS 6.14.1 to 6.14.3).

- 6.14.1 Auxiliary Load Control Description: ECS46a (critical), the description
  (visible-string) of each switch given, ``0-0:94.44.0.11`` to ``.15``.
- 6.14.2 Auxiliary Load Control Scheduler: ECS46c (critical, Device future dated): the
  HCALCS identities ``0-0:94.44.0.21`` to ``.25``, then the passive special days table and
  schedule, then their activation date-times.
- 6.14.3 Auxiliary Controller Scheduler: ECS46d (critical, Device future dated), to an
  ESME or to a HAN auxiliary controller (HCALCS or proportional controller): the passive
  special days table and schedule, then their activations.

Schedule entries (class 10 ``entries``): index from 1, enabled, the auxiliary load control
script table ``0-0:10.0.103.255`` with a script selector naming the switch and what to do,
the switch time, no validity window, the days of the week (Monday first) and the special
days (one bit per special day the request defines) the entry applies on, and its begin and
end dates. ECS46c's selector is ``switch << 8 | 1`` (activate) or ``| 2`` (deactivate);
ECS46d's is ``(0x10 output | 0x20 input-from-load) + N`` in the high byte and
``0x80 + commanded level`` in the low byte (the reference ECS46c and ECS46d Commands).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from lxml import etree

from opendcc.eui import Eui64
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import Request
from opendcc.gbcs.dlms.data import (
    BitString,
    Boolean,
    Data,
    LongUnsigned,
    OctetString,
    Unsigned,
    VisibleString,
)
from opendcc.gbcs.dlms.datetimes import NOT_SPECIFIED, YEAR_NOT_SPECIFIED, CosemDate
from opendcc.inventory.model import DeviceType
from opendcc.transform import duisxml as x
from opendcc.transform.config_common import (
    RefusalError,
    activation_time,
    cosem_time,
    dlms_spec,
    guarded,
    set_,
    text_octets,
)
from opendcc.transform.config_writes import NO_VALIDITY_WINDOW, _time_of_day
from opendcc.transform.registry import CommandSpec, TransformInput, transforms

E, H = DeviceType.ESME, DeviceType.HCALCS

SWITCHES: Final = 5
DESCRIPTION_LIMIT: Final = 22
AUX_SCRIPT_TABLE: Final = "0-0:10.0.103.255"
SPECIAL_DAYS_PASSIVE: Final = "0-1:11.0.3.255"
SCHEDULE_PASSIVE: Final = "0-1:12.0.2.255"
ACTIVATIONS: Final = ("0-0:94.44.128.26", "0-0:94.44.128.35")
"""Activation of the passive schedule, then of the passive special days (class 9000)."""
DAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LAST_DAY_OF_MONTH: Final = 0xFE
SECOND_LAST_DAY_OF_MONTH: Final = 0xFD
ACTIVATE, DEACTIVATE = 1, 2
OUTPUT, INPUT_FROM_LOAD = 0x10, 0x20
LEVEL_BASE: Final = 0x80


def _description_obis(index: int) -> str:
    return f"0-0:94.44.0.{10 + index}"


def _hcalcs_obis(index: int) -> str:
    return f"0-0:94.44.0.{20 + index}"


@transforms("6.14.1", E)
@guarded
def update_alc_descriptions(request: TransformInput) -> CommandSpec:
    """6.14.1: ECS46a, one set per described switch, in switch order."""
    described: dict[int, str] = {}
    for item in x.children(request.body, "ALCSHCALCSDescription"):
        index = _index(item, "index", SWITCHES)
        if index in described:
            raise x.BodyValueError(f"switch {index} is described twice")
        text = text_octets(
            x.text(item, "SwitchDescription"), limit=DESCRIPTION_LIMIT, what="SwitchDescription"
        )
        described[index] = text.decode("ascii")
    if not described:
        raise x.BodyValueError("no switch description")
    requests = [
        set_(1, _description_obis(i), 2, VisibleString(described[i])) for i in sorted(described)
    ]
    return dlms_spec(request, "ECS46a", requests)


def _index(node: etree._Element, attribute: str, high: int) -> int:
    raw = node.get(attribute, "")
    try:
        value = int(raw)
    except ValueError:
        raise x.BodyValueError(f"{attribute}={raw!r} is not a number") from None
    if not 1 <= value <= high:
        raise x.BodyValueError(f"{attribute}={value} is outside 1..{high}")
    return value


def schedule_date(node: etree._Element) -> CosemDate:
    """A DUIS ``Date`` (each field specified or not) as a COSEM date with wildcards."""
    year_node = x.require(node, "Year")
    year = (
        x.integer(year_node, "SpecifiedYear", low=2014, high=9999)
        if x.child(year_node, "SpecifiedYear") is not None
        else YEAR_NOT_SPECIFIED
    )
    month_node = x.require(node, "Month")
    month = (
        x.integer(month_node, "SpecifiedMonth", low=1, high=12)
        if x.child(month_node, "SpecifiedMonth") is not None
        else NOT_SPECIFIED
    )
    day_node = x.require(node, "DayOfMonth")
    if x.child(day_node, "SpecifiedDayOfMonth") is not None:
        day = x.integer(day_node, "SpecifiedDayOfMonth", low=1, high=31)
    elif x.child(day_node, "LastDayOfMonth") is not None:
        day = LAST_DAY_OF_MONTH
    elif x.child(day_node, "SecondLastDayOfMonth") is not None:
        day = SECOND_LAST_DAY_OF_MONTH
    else:
        day = NOT_SPECIFIED
    dow_node = x.require(node, "DayOfWeek")
    dow = (
        x.integer(dow_node, "SpecifiedDayOfWeek", low=1, high=7)
        if x.child(dow_node, "SpecifiedDayOfWeek") is not None
        else NOT_SPECIFIED
    )
    return CosemDate(year, month, day, dow)


def special_days(definitions: Sequence[etree._Element], attribute: str) -> Data:
    """The passive special days table: entries {index, date, day id = index}, numbered
    1..n as the request numbers them (each number once, without gaps)."""
    by_index: dict[int, CosemDate] = {}
    for item in definitions:
        index = _index(item, attribute, 20)
        if index in by_index:
            raise x.BodyValueError(f"special day {index} is defined twice")
        by_index[index] = schedule_date(item)
    if sorted(by_index) != list(range(1, len(by_index) + 1)):
        raise x.BodyValueError("special days must be numbered 1, 2, 3... without gaps")
    return b.array(
        b.structure(LongUnsigned(i), OctetString(bytes(by_index[i])), Unsigned(i))
        for i in sorted(by_index)
    )


def _weekdays(entry: etree._Element) -> BitString:
    days = x.child(entry, "DaysOfWeekApplicability")
    named = set()
    if days is not None:
        for item in x.children(days, "DayOfWeekApplicability"):
            day = x.text(item, "DayOfWeekID")
            if day not in DAYS:
                raise x.BodyValueError(f"unknown day {day!r}")
            named.add(day)
    return BitString.from_bits("".join("1" if d in named else "0" for d in DAYS))


def _special_day_bits(entry: etree._Element, attribute: str, defined: int) -> BitString:
    chosen = set()
    for item in x.children(entry, "SpecialDaysApplicability"):
        index = _index(item, attribute, 20)
        if index > defined:
            raise x.BodyValueError(f"special day {index} is applied but not defined")
        chosen.add(index)
    return BitString.from_bits("".join("1" if i in chosen else "0" for i in range(1, defined + 1)))


def schedule_entry(
    index: int, selector: int, entry: etree._Element, timing: str, special: BitString
) -> Data:
    when = x.require(entry, timing)
    return b.structure(
        LongUnsigned(index),
        Boolean(True),
        b.obis(AUX_SCRIPT_TABLE),
        LongUnsigned(selector),
        cosem_time(_time_of_day(x.text(when, "SwitchTime"))),
        LongUnsigned(NO_VALIDITY_WINDOW),
        _weekdays(entry),
        special,
        OctetString(bytes(schedule_date(x.require(when, "StartDate")))),
        OctetString(bytes(schedule_date(x.require(when, "EndDate")))),
    )


def _activations(request: TransformInput) -> list[Request]:
    when = activation_time(request.execution_at)
    return [set_(9000, obis, 6, when) for obis in ACTIVATIONS]


@transforms("6.14.2", E)
@guarded
def update_alc_scheduler(request: TransformInput) -> CommandSpec:
    """6.14.2: ECS46c. Switch types first (an ALCS has no identity: eight zero octets; an
    HCALCS its EUI-64), then the passive special days and schedule and their activation:
    at once, at ``ExecutionDateTime`` (Device-held), or cancelled (3000-12-31)."""
    body = request.body
    kinds: dict[int, bytes] = {}
    for item in x.children(body, "SwitchTypeAndId"):
        index = _index(item, "index", SWITCHES)
        if index in kinds:
            raise x.BodyValueError(f"switch {index} is typed twice")
        hcalcs = x.child(item, "HCALCS")
        if hcalcs is not None:
            try:
                kinds[index] = bytes(Eui64.parse(x.text(hcalcs)))
            except ValueError as exc:
                raise x.BodyValueError(str(exc)) from None
        elif x.child(item, "ALCS") is not None:
            kinds[index] = bytes(8)
        else:
            raise x.BodyValueError(f"switch {index} is neither ALCS nor HCALCS")
    days = x.children(x.require(body, "ALCSHCALCSSpecialDays"), "ALCSHCALCSSpecialDay")
    entries = []
    for n, entry in enumerate(x.children(body, "ALCSHCALCSConnectionSchedule"), start=1):
        switch_node = x.require(entry, "ActivateDeactivateSwitch")
        switch = _index(switch_node, "index", SWITCHES)
        action = ACTIVATE if x.child(switch_node, "ActivateSwitch") is not None else DEACTIVATE
        special = _special_day_bits(entry, "index", len(days))
        entries.append(
            schedule_entry(n, switch << 8 | action, entry, "ALCSScheduleDatesAndTime", special)
        )
    if not entries:
        raise x.BodyValueError("no connection schedule entry")
    requests: list[Request] = [
        set_(1, _hcalcs_obis(i), 2, OctetString(kinds[i])) for i in sorted(kinds)
    ]
    requests.append(set_(11, SPECIAL_DAYS_PASSIVE, 2, special_days(days, "index")))
    requests.append(set_(10, SCHEDULE_PASSIVE, 2, b.array(entries)))
    return dlms_spec(request, "ECS46c", requests + _activations(request))


@transforms("6.14.3", E, H)
@guarded
def update_auxiliary_controller_scheduler(request: TransformInput) -> CommandSpec:
    """6.14.3: ECS46d to an ESME's auxiliary controllers or a HAN controller (HCALCS or
    auxiliary proportional controller)."""
    body = request.body
    definitions = x.require(body, "AuxiliaryControllerSpecialDayDefinitions")
    days = x.children(definitions, "AuxiliaryControllerSpecialDayDefinition")
    entries = []
    for n, entry in enumerate(x.children(body, "AuxiliaryControllerSchedule"), start=1):
        action = x.require(entry, "AuxiliaryControllerAction")
        controller = _index(action, "auxiliaryControllerN", SWITCHES)
        level = x.integer(action, "CommandedStateLevel", low=0, high=100)
        kind = INPUT_FROM_LOAD if x.child(action, "InputFromControlledLoad") is not None else OUTPUT
        selector = (kind + controller) << 8 | (LEVEL_BASE + level)
        special = _special_day_bits(entry, "identifier", len(days))
        entries.append(
            schedule_entry(n, selector, entry, "AuxiliaryControllerSchedulePeriodAndTime", special)
        )
    if len(entries) > 120:
        raise RefusalError("at most 120 auxiliary controller schedule entries")
    requests: list[Request] = [
        set_(11, SPECIAL_DAYS_PASSIVE, 2, special_days(days, "identifier")),
        set_(10, SCHEDULE_PASSIVE, 2, b.array(entries)),
    ]
    return dlms_spec(request, "ECS46d", requests + _activations(request))
