"""When a meter's supply was off, and the consumption model with those periods taken out.

A meter measures no import energy (an ESME with its load switch open) and no gas (a GSME
with its valve closed) while the supply is Disabled or Armed: Armed stays off until the
consumer restores the supply at the meter (GBCS ECS44 / GCS39 arm; SMETS2 5.7.4.33 and
5.17.4.19 supply state: only Enabled supplies energy). The consumption model
(``devices.consumption``) is a pure function of time; this module keeps the periods the
supply was off (section ``supply_off``, written by ``supply_state`` wherever the switch
changes: 7.1/7.2/7.3 Commands, prepayment disablement and re-arming, the consumer's
restoration, load limit, tamper, gas flow; and ``supply_events`` for a mains outage at an
ESME, which measures nothing until power is back and its switch is Enabled) and
``SuppliedModel`` subtracts the model's
energy over them, so every quantity read from it (registers, profiles, daily logs, TOU and
block registers, maximum demand, gas volume, the prepayment engine's charges) agrees.

Bounded state: at most ``MAX_INTERVALS`` closed intervals are kept; older ones are folded
into one span (``folded_from`` .. ``folded_until``) with the energy they took out
(``folded_wh``). Registers from ``folded_until`` on are exact; within the folded span the
energy taken out is spread in proportion to the model's energy, so registers stay
monotonic (profile entries there, older than any log a read returns in practice, are
approximate).

Fast path: a meter whose supply was never off has no ``supply_off`` section and is
measured by the plain ``ConsumptionModel``, at the same cost as before.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from opendcc.devices.consumption import EPOCH, ConsumptionModel
from opendcc.devices.state import DeviceState, Section
from opendcc.eui import Eui64
from opendcc.inventory.model import DeviceType, Fuel

MAX_INTERVALS: Final = 32
SLOT: Final = timedelta(minutes=30)


def _seconds(at: datetime) -> float:
    return (at - EPOCH).total_seconds()


def _at(seconds: float) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


@dataclass(slots=True)
class SupplyOff(Section):
    """The periods the supply was off, in seconds since the consumption model's epoch:
    ``intervals`` are ``[start, end, wh]``, oldest first, ``wh`` the model's energy over
    the period (what the meter did not register; computed once, when the period ends);
    ``open_since`` is set while the supply is off now."""

    NAME = "supply_off"
    intervals: list[list[float]] = field(default_factory=list)
    open_since: float | None = None
    folded_from: float | None = None
    folded_until: float | None = None
    folded_wh: float = 0.0


def fuel_of(device_type: DeviceType) -> Fuel | None:
    if device_type is DeviceType.ESME:
        return Fuel.ELECTRICITY
    if device_type is DeviceType.GSME:
        return Fuel.GAS
    return None


def _raw_model(state: DeviceState) -> ConsumptionModel | None:
    fuel = fuel_of(state.device.device_type)
    return None if fuel is None else ConsumptionModel.for_meter(state.device.device_id, fuel)


SupplyListener = Callable[[Any], None]
_LISTENERS: list[SupplyListener] = []


def on_supply_change(listener: SupplyListener) -> SupplyListener:
    """Register ``listener(context)`` (a ``DeviceContext``), called when a meter's supply
    goes off or comes back on: what the meter will use from then on changed (the
    prepayment family plans when credit runs out from it). Called inside the change: a
    listener must not change the supply itself (it may ask for a wake)."""
    _LISTENERS.append(listener)
    return listener


def supply_changed(context: Any) -> None:
    for listener in _LISTENERS:
        listener(context)


def note_supply(state: DeviceState, at: datetime, on: bool) -> bool:
    """Record that the supply is ``on`` (Enabled) or off (Disabled, Armed) from ``at``;
    True when that is a change (the supply went off or came back).

    Called on every change the switch makes; a repeated state changes nothing, and a meter
    that stays on never gets the section."""
    if on and not state.has(SupplyOff):
        return False
    record = state.get(SupplyOff)
    now = _seconds(at)
    if not on:
        if record.open_since is None:
            record.open_since = now
            state.touch()
            return True
        return False
    if record.open_since is None:
        return False
    start, record.open_since = record.open_since, None
    if now > start:
        raw = _raw_model(state)
        energy = raw.between_wh(_at(start), at) if raw is not None else 0.0
        record.intervals.append([start, now, energy])
        if len(record.intervals) > MAX_INTERVALS:
            _fold(record)
    state.touch()
    return True


def _fold(record: SupplyOff) -> None:
    """Fold the oldest interval into the folded span (its energy taken out at once)."""
    start, end, energy = record.intervals.pop(0)
    record.folded_wh += energy
    if record.folded_from is None:
        record.folded_from = start
    record.folded_until = end


@dataclass(frozen=True, slots=True)
class SuppliedModel(ConsumptionModel):
    """``ConsumptionModel`` with the supply-off periods taken out: the register stays flat
    while the supply is off (so half-hour entries there are 0), demand is 0."""

    starts: tuple[float, ...] = ()
    """Off periods' starts, seconds since EPOCH, oldest first (after any folded span)."""
    ends: tuple[float, ...] = ()
    """Their ends; the last may be infinity (off now)."""
    taken: tuple[float, ...] = ()
    """Energy not registered up to the end of each period (folded span included)."""
    folded: tuple[float, float, float] | None = None
    """(from, until, energy) of the folded older periods."""

    @property
    def raw(self) -> ConsumptionModel:
        return ConsumptionModel(self.fuel, self.annual_wh, self.seasonal, self.phase_days)

    def _raw_wh(self, seconds: float) -> float:
        return ConsumptionModel.register_wh(self, _at(seconds))

    def register_wh(self, at: datetime) -> float:
        seconds = _seconds(at)
        folded = self.folded
        before = 0.0
        if folded is not None:
            low, high, energy = folded
            if seconds < high:
                if seconds <= low:
                    return ConsumptionModel.register_wh(self, at)
                span = self._raw_wh(high) - self._raw_wh(low)
                done = ConsumptionModel.register_wh(self, at) - self._raw_wh(low)
                share = energy * done / span if span > 0 else energy
                return ConsumptionModel.register_wh(self, at) - share
            before = energy
        index = bisect_right(self.starts, seconds) - 1
        if index < 0:
            return ConsumptionModel.register_wh(self, at) - before
        start = self.starts[index]
        if seconds < self.ends[index]:
            # Off now: the register as it stood when the supply went off (exactly flat,
            # so floored differences over the period are 0).
            return self._raw_wh(start) - (self.taken[index - 1] if index else before)
        return ConsumptionModel.register_wh(self, at) - self.taken[index]

    def is_off(self, at: datetime) -> bool:
        seconds = _seconds(at)
        index = bisect_right(self.starts, seconds) - 1
        return index >= 0 and seconds < self.ends[index]

    def demand_w(self, at: datetime) -> float:
        """No demand while the supply is off; otherwise the average power of the half
        hour's energy the meter registered (the model's demand if none of it was off)."""
        if self.is_off(at):
            return 0.0
        return self.slot_demand_w(at)

    def slot_demand_w(self, at: datetime) -> float:
        seconds = _seconds(at)
        slot = seconds - seconds % SLOT.total_seconds()
        slot_end = slot + SLOT.total_seconds()
        if not self._overlaps(slot, slot_end):
            return ConsumptionModel.demand_w(self, at)
        return (self.register_wh(_at(slot_end)) - self.register_wh(_at(slot))) * 2

    def _overlaps(self, low: float, high: float) -> bool:
        folded = self.folded
        if folded is not None and folded[0] < high and folded[1] > low:
            return True
        index = bisect_right(self.starts, high) - 1
        return index >= 0 and self.starts[index] < high and self.ends[index] > low

    def off_pieces(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime, float]]:
        """The parts of ``[start, end)`` the supply was off, each with the share of the raw
        model's energy over it that was taken out (1.0; the folded span's proportion)."""
        low, high = _seconds(start), _seconds(end)
        out: list[tuple[datetime, datetime, float]] = []
        folded = self.folded
        if folded is not None:
            a, b = max(low, folded[0]), min(high, folded[1])
            if a < b:
                span = self._raw_wh(folded[1]) - self._raw_wh(folded[0])
                out.append((_at(a), _at(b), folded[2] / span if span > 0 else 0.0))
        first = max(bisect_right(self.starts, low) - 1, 0)
        for index in range(first, len(self.starts)):
            a, b = max(low, self.starts[index]), min(high, self.ends[index])
            if self.starts[index] >= high:
                break
            if a < b:
                out.append((_at(a), _at(b), 1.0))
        return out


def supplied_model(eui: Eui64, fuel: Fuel, state: DeviceState) -> ConsumptionModel:
    """The meter's consumption model as measured: the plain model unless its supply has
    been off (``state``: the meter's own, or its GSME's for a GPF)."""
    model = ConsumptionModel.for_meter(eui, fuel)
    if not state.has(SupplyOff):
        return model
    record = state.get(SupplyOff)
    folded = (
        (record.folded_from, record.folded_until, record.folded_wh)
        if record.folded_from is not None and record.folded_until is not None
        else None
    )
    starts: list[float] = []
    ends: list[float] = []
    taken: list[float] = []
    total = folded[2] if folded is not None else 0.0
    for start, end, energy in record.intervals:
        total += energy
        starts.append(start)
        ends.append(end)
        taken.append(total)
    if record.open_since is not None:
        starts.append(record.open_since)
        ends.append(float("inf"))
        taken.append(float("inf"))
    if not starts and folded is None:
        return model
    return SuppliedModel(
        model.fuel,
        model.annual_wh,
        model.seasonal,
        model.phase_days,
        tuple(starts),
        tuple(ends),
        tuple(taken),
        folded,
    )
