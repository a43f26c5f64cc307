"""What a simulated meter has measured, at any instant, for every register the reads ask for.

Everything derives from the consumption model (``devices.consumption``), a pure function
of time, so reads never store readings and always agree with one another:

- registers advance with the model; the active import register is its energy since the
  model's epoch, floored to whole Wh (GSME: the volume in litres, m3 x 1000, through the
  calorific value and conversion factor);
- a half-hourly profile entry is the difference of two floored register values, so the
  entries of any range sum exactly to the register difference over it; the daily
  consumption log does the same per day, and daily read log entries are the registers at
  midnight;
- TOU registers split every half hour's energy by the rate the tariff puts that half hour
  in (``reads_foreign.tariff_view``): whole days in closed form (the day's shape is fixed,
  only its size changes), the ends slot by slot, so the TOU registers always sum to the
  total (within 1 unit per rate, from flooring each). When the tariff changes, a new
  segment starts with the registers of that moment as its base (section
  ``reads_tou_history``), so past values never move;
- block counters split the consumption of the current block period (a calendar month) by
  the tariff's thresholds; the ESME's TOU-block registers add up each period's TOU
  consumption shared out between blocks in the proportion the thresholds gave that period;
- maximum demand is the highest half-hour average power of the model since the reset;
- export comes from a small deterministic generation model (daylight only, peaking at
  midsummer noon), reactive energy in a fixed proportion of active energy, and supply
  voltage from a deterministic hourly model with rare, regular excursions, so the
  excursion counters are closed-form too.

A meter's parameters come from its EUI, so a GPF mirroring a GSME reproduces its numbers
exactly by building the GSME's ``Meter``.

While the supply was off the meter registered nothing: ``Meter.model`` is the model with
those periods taken out (``supply_off.SuppliedModel``, from the meter's ``supply_off``
section), so every quantity above, derived from it, stays consistent; ``split_by_rate``
takes each off period's split out of the plain model's. Export is not affected.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Final

from opendcc.devices.consumption import EPOCH, ConsumptionModel, gas_volume_m3
from opendcc.devices.reads_foreign import (
    BLOCK_RATES,
    BLOCKS,
    ELECTRICITY_RATES,
    GAS_RATES,
    SECONDARY_RATES,
    SLOTS,
    TariffView,
    gas_conversion,
    tariff_view,
)
from opendcc.devices.state import DeviceState, Section
from opendcc.devices.supply_off import SuppliedModel, supplied_model
from opendcc.eui import Eui64
from opendcc.gbcs.dlms.datetimes import from_gbcs_seconds, to_gbcs_seconds
from opendcc.inventory.model import Fuel

SLOT: Final = timedelta(minutes=30)
DAY: Final = timedelta(days=1)
REACTIVE_IMPORT_SHARE: Final = 0.12
"""Reactive import as a share of active import for a domestic load (power factor ~0.99)."""
REACTIVE_EXPORT_SHARE: Final = 0.05
MAX_SEGMENTS: Final = 64


def floor_to(moment: datetime, step: timedelta) -> datetime:
    """``moment`` rounded down to a multiple of ``step`` from the model's epoch (midnight)."""
    return moment - (moment - EPOCH) % step


def ceil_to(moment: datetime, step: timedelta) -> datetime:
    floored = floor_to(moment, step)
    return floored if floored == moment else floored + step


@functools.cache
def slot_weights(fuel: Fuel) -> tuple[float, ...]:
    """The share of a day's energy in each half hour (the model's fixed daily shape)."""
    model = ConsumptionModel(fuel, 1_000_000.0, 0.0, 0.0)
    day = EPOCH + timedelta(days=10)
    edges = [model.register_wh(day + i * SLOT) for i in range(SLOTS + 1)]
    total = edges[-1] - edges[0]
    return tuple((b - a) / total for a, b in itertools.pairwise(edges))


def split_by_rate(
    model: ConsumptionModel, start: datetime, end: datetime, rates: Sequence[int], count: int
) -> list[float]:
    """Energy between ``start`` and ``end`` per rate (``rates``: the rate, 1-based, of each
    half hour of the day). A model with supply-off periods (``supply_off.SuppliedModel``):
    the plain model's split less the split of what each off period took out, so the
    energy not registered comes off the rates it would have gone to."""
    if not isinstance(model, SuppliedModel):
        return _split_by_rate(model, start, end, rates, count)
    raw = model.raw
    out = _split_by_rate(raw, start, end, rates, count)
    for low, high, share in model.off_pieces(start, end):
        taken = _split_by_rate(raw, low, high, rates, count)
        out = [max(0.0, o - t * share) for o, t in zip(out, taken, strict=True)]
    return out


def _split_by_rate(
    model: ConsumptionModel, start: datetime, end: datetime, rates: Sequence[int], count: int
) -> list[float]:
    out = [0.0] * count
    if end <= start:
        return out

    def partial(a: datetime, b: datetime) -> None:
        slot_start = floor_to(a, SLOT)
        index = int((slot_start - floor_to(a, DAY)) / SLOT)
        low = model.register_wh(a)
        while slot_start < b:
            slot_end = slot_start + SLOT
            high_at = min(b, slot_end)
            high = model.register_wh(high_at)
            out[rates[index % SLOTS] - 1] += high - low
            low, slot_start, index = high, slot_end, index + 1

    first_midnight, last_midnight = ceil_to(start, DAY), floor_to(end, DAY)
    if first_midnight > last_midnight:
        partial(start, end)
        return out
    partial(start, first_midnight)
    if last_midnight > first_midnight:
        whole = model.register_wh(last_midnight) - model.register_wh(first_midnight)
        weights = slot_weights(model.fuel)
        for slot, rate in enumerate(rates):
            out[rate - 1] += whole * weights[slot]
    partial(last_midnight, end)
    return out


def share_blocks(before: float, during: float, thresholds: Sequence[int]) -> list[float]:
    """How ``during`` falls into the blocks, ``before`` having been used earlier in the
    block period (thresholds: cumulative block limits, ascending)."""
    bounds = [0.0, *map(float, thresholds), math.inf]
    out = [0.0] * BLOCKS
    low, high = before, before + during
    for block in range(min(BLOCKS, len(bounds) - 1)):
        top = bounds[block + 1] if block < len(bounds) - 2 else math.inf
        out[block] = max(0.0, min(high, top) - max(low, bounds[block]))
    return out


def month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(moment: datetime) -> datetime:
    first = month_start(moment)
    return (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else first.replace(month=first.month + 1)
    )


def _unit(eui: Eui64, salt: bytes) -> float:
    digest = hashlib.blake2b(salt + bytes(eui), digest_size=8).digest()
    return int.from_bytes(digest, "big") / float(2**64)


@dataclass(frozen=True, slots=True)
class GenerationModel:
    """Deterministic small-scale generation (export): daylight only, most at midsummer."""

    annual_wh: float
    seasonal: float = 0.6
    phase_days: float = 172.0

    @classmethod
    def for_meter(cls, eui: Eui64) -> GenerationModel:
        # 1,500 to 4,000 kWh a year: a typical domestic PV installation.
        return cls(1_500_000 + _unit(eui, b"export") * 2_500_000)

    def _days_energy(self, days: int) -> float:
        if days <= 0:
            return 0.0
        step = 2 * math.pi / 365.25
        offset = -step * self.phase_days
        cos_sum = (
            math.sin(days * step / 2)
            / math.sin(step / 2)
            * math.cos(offset + (days - 1) * step / 2)
        )
        return self.annual_wh / 365.25 * (days + self.seasonal * cos_sum)

    def _day_energy(self, day: int) -> float:
        angle = 2 * math.pi * (day - self.phase_days) / 365.25
        return self.annual_wh / 365.25 * (1 + self.seasonal * math.cos(angle))

    def register_wh(self, at: datetime) -> float:
        seconds = (at - EPOCH).total_seconds()
        if seconds <= 0:
            return 0.0
        day, within = divmod(seconds, 86_400.0)
        hours = within / 3600.0
        # Daylight from 06:00 to 20:00, a half-sine: cumulative share (1 - cos) / 2.
        if hours <= 6.0:
            fraction = 0.0
        elif hours >= 20.0:
            fraction = 1.0
        else:
            fraction = (1 - math.cos(math.pi * (hours - 6.0) / 14.0)) / 2
        return self._days_energy(int(day)) + self._day_energy(int(day)) * fraction


UNDER_VOLTAGE: Final = 207
OVER_VOLTAGE: Final = 253
"""The excursion limits the voltage model crosses (230 V -10 % / +10 %)."""


@dataclass(frozen=True, slots=True)
class VoltageModel:
    """Hourly average RMS voltage of one phase: ~240 V with a daily swing, and an under- or
    over-voltage hour every ``period_under`` / ``period_over`` hours."""

    mean: float
    period_under: int
    offset_under: int
    period_over: int
    offset_over: int

    @classmethod
    def for_phase(cls, eui: Eui64, phase: int) -> VoltageModel:
        salt = b"voltage%d" % phase
        u = _unit(eui, salt)
        return cls(
            236.0 + 8.0 * u,
            600 + int(400 * _unit(eui, salt + b"u")),
            int(10_000 * _unit(eui, salt + b"ou")),
            900 + int(600 * _unit(eui, salt + b"o")),
            int(10_000 * _unit(eui, salt + b"oo")),
        )

    def hour_of(self, moment: datetime) -> int:
        return int((moment - EPOCH).total_seconds() // 3600)

    def average(self, hour: int) -> int:
        if (hour + self.offset_under) % self.period_under == 0:
            return UNDER_VOLTAGE - 3
        if (hour + self.offset_over) % self.period_over == 0:
            return OVER_VOLTAGE + 3
        swing = 3.0 * math.sin(2 * math.pi * ((hour % 24) - 4) / 24)
        return round(self.mean - swing)

    @staticmethod
    def _count(hours: int, period: int, offset: int) -> int:
        """Hours ``h`` in ``[0, hours)`` with ``(h + offset) % period == 0``."""
        if hours <= 0:
            return 0
        first = (-offset) % period
        return 0 if first >= hours else (hours - 1 - first) // period + 1

    def under_count(self, until: datetime) -> int:
        return self._count(self.hour_of(until), self.period_under, self.offset_under)

    def over_count(self, until: datetime) -> int:
        return self._count(self.hour_of(until), self.period_over, self.offset_over)


@dataclass(slots=True)
class TouHistory(Section):
    """Tariff segments: from when (seconds since 2000) which tariff applied, and the TOU,
    secondary TOU and TOU-block registers (float Wh or energy) at that moment."""

    NAME = "reads_tou_history"
    segments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Segment:
    start: datetime
    view: TariffView
    base: tuple[float, ...]
    base_secondary: tuple[float, ...]
    base_blocks: tuple[float, ...]


def secondary_eui(eui: Eui64) -> Eui64:
    """The seed of a twin-element ESME's secondary element (e.g. a storage heating circuit)."""
    return Eui64.from_bytes(hashlib.blake2b(b"secondary" + bytes(eui), digest_size=8).digest())


class Meter:
    """The metrology of one meter: ``eui`` seeds the models, ``state`` holds its tariff and
    TOU history (a GPF passes its GSME's EUI and state)."""

    def __init__(self, eui: Eui64, fuel: Fuel, state: DeviceState) -> None:
        self.eui = eui
        self.fuel = fuel
        self.state = state
        self.model = supplied_model(eui, fuel, state)
        """The model as measured: the supply-off periods taken out (``supply_off``)."""
        self.rates = ELECTRICITY_RATES if fuel is Fuel.ELECTRICITY else GAS_RATES
        self.block_rates = BLOCK_RATES if fuel is Fuel.ELECTRICITY else 1
        self.cv, self.cf = gas_conversion(state) if fuel is Fuel.GAS else (0.0, 0.0)
        self._segments: list[_Segment] | None = None

    # --- registers ---------------------------------------------------------------------

    def energy(self, at: datetime) -> float:
        return self.model.register_wh(at)

    def to_unit(self, energy_wh: float) -> int:
        """Wh for electricity; litres (m3 x 1000, as a GSME counts) for gas."""
        if self.fuel is Fuel.ELECTRICITY:
            return int(energy_wh)
        return int(gas_volume_m3(energy_wh, self.cv, self.cf) * 1000)

    def register(self, at: datetime) -> int:
        return self.to_unit(self.energy(at))

    def interval(self, start: datetime, end: datetime) -> int:
        """Consumption between two instants as the difference of the floored registers."""
        return self.register(end) - self.register(start)

    # --- tariff segments ---------------------------------------------------------------

    def segments(self, initial: TariffView | None = None) -> list[_Segment]:
        """The tariff segments, oldest first. A meter with no history starts with one
        segment from the model's epoch under ``initial`` (default: the tariff now)."""
        if self._segments is None:
            rows = self.state.get(TouHistory).segments
            self._segments = [
                _Segment(
                    from_gbcs_seconds(int(row["from"])),
                    TariffView.from_key(row["view"]),
                    tuple(row["base"]),
                    tuple(row["base_secondary"]),
                    tuple(row["base_blocks"]),
                )
                for row in rows
            ]
            if not self._segments:
                view = initial or tariff_view(self.state, self.fuel)
                zero = _Segment(
                    EPOCH,
                    view,
                    (0.0,) * self.rates,
                    (0.0,) * SECONDARY_RATES,
                    (0.0,) * (BLOCKS * self.block_rates),
                )
                self._segments = [zero]
        return self._segments

    def synchronise(self, at: datetime, previous: TariffView | None = None) -> bool:
        """Start a new tariff segment at ``at`` if the tariff differs from the last one's;
        True when it did (a change of tariff the billing log records). ``previous`` is
        the tariff before ``at`` for a meter with no history yet."""
        segments = self.segments(previous)
        view = tariff_view(self.state, self.fuel)
        last = segments[-1]
        section = self.state.get(TouHistory)
        if not section.segments:
            section.segments = [self._row(last)]
            self.state.touch()
        if view == last.view or at <= last.start:
            return False
        base = tuple(self._tou_energy(last, at))
        base_secondary = tuple(self._secondary_energy(last, at))
        base_blocks = tuple(self._block_energy(last, at))
        segment = _Segment(at, view, base, base_secondary, base_blocks)
        segments.append(segment)
        section.segments.append(self._row(segment))
        if len(section.segments) > MAX_SEGMENTS:
            del section.segments[1:2]
            del segments[1:2]
        self.state.touch()
        return True

    @staticmethod
    def _row(segment: _Segment) -> dict[str, Any]:
        return {
            "from": to_gbcs_seconds(segment.start),
            "view": segment.view.key(),
            "base": list(segment.base),
            "base_secondary": list(segment.base_secondary),
            "base_blocks": list(segment.base_blocks),
        }

    def _segment_at(self, at: datetime) -> _Segment:
        found = self.segments()[0]
        for segment in self.segments():
            if segment.start <= at:
                found = segment
            else:
                break
        return found

    def _tou_energy(self, segment: _Segment, at: datetime) -> list[float]:
        split = split_by_rate(self.model, segment.start, at, segment.view.tou_rates, self.rates)
        return [b + s for b, s in zip(segment.base, split, strict=True)]

    def _secondary_energy(self, segment: _Segment, at: datetime) -> list[float]:
        if self.fuel is not Fuel.ELECTRICITY:
            return list(segment.base_secondary)
        model = ConsumptionModel.for_meter(secondary_eui(self.eui), Fuel.ELECTRICITY)
        split = split_by_rate(
            model, segment.start, at, segment.view.secondary_tou_rates, SECONDARY_RATES
        )
        return [b + s for b, s in zip(segment.base_secondary, split, strict=True)]

    def _block_energy(self, segment: _Segment, at: datetime) -> list[float]:
        """Cumulative TOU-block energy, block-major (block b, rate r at b * rates + r)."""
        out = list(segment.base_blocks)
        thresholds = segment.view.block_thresholds
        if not thresholds:
            tou = split_by_rate(self.model, segment.start, at, segment.view.tou_rates, self.rates)
            for rate, energy in enumerate(tou[: self.block_rates]):
                out[rate] += energy
            if self.block_rates == 1:
                out[0] += sum(tou[1:])
            return out
        low = segment.start
        while low < at:
            period = month_start(low)
            high = min(at, next_month(low))
            before = self._unit_energy(period, low)
            tou = split_by_rate(self.model, low, high, segment.view.tou_rates, self.rates)
            total = sum(tou)
            blocks = share_blocks(before, self._unit_energy(low, high), thresholds)
            share = sum(blocks) or 1.0
            if self.block_rates == 1:
                tou = [total]
            for block, amount in enumerate(blocks):
                for rate, energy in enumerate(tou[: self.block_rates]):
                    out[block * self.block_rates + rate] += energy * amount / share
            low = high
        return out

    def _unit_energy(self, start: datetime, end: datetime) -> float:
        """Energy between two instants in the unit thresholds are set in."""
        energy = self.model.register_wh(end) - self.model.register_wh(start)
        if self.fuel is Fuel.ELECTRICITY:
            return energy
        return gas_volume_m3(energy, self.cv, self.cf) * 1000

    # --- the register sets the reads return --------------------------------------------

    def tou(self, at: datetime) -> list[int]:
        return [self.to_unit(e) for e in self._tou_energy(self._segment_at(at), at)]

    def secondary_import(self, at: datetime) -> int:
        return int(ConsumptionModel.for_meter(secondary_eui(self.eui), self.fuel).register_wh(at))

    def secondary_tou(self, at: datetime) -> list[int]:
        return [int(e) for e in self._secondary_energy(self._segment_at(at), at)]

    def tou_blocks(self, at: datetime) -> list[int]:
        """The TOU-block register matrix, block-major (4 blocks x 8 rates; a GSME's
        block registers have no rate dimension)."""
        return [self.to_unit(e) for e in self._block_energy(self._segment_at(at), at)]

    def block_counters(self, at: datetime) -> list[int]:
        """Consumption of the current block period (calendar month) in each block."""
        thresholds = self._segment_at(at).view.block_thresholds
        used = self._unit_energy(month_start(at), at)
        return [int(b) for b in share_blocks(0.0, used, thresholds)]

    def period_tou_blocks(self, at: datetime) -> list[int]:
        """The current block period's TOU consumption by block (block-major), the block
        counter matrix of the ESME's TOU-with-blocks read."""
        segment = self._segment_at(at)
        period = month_start(at)
        tou = split_by_rate(self.model, period, at, segment.view.tou_rates, self.rates)
        blocks = share_blocks(0.0, sum(tou), segment.view.block_thresholds)
        total = sum(tou) or 1.0
        return [
            self.to_unit(tou[rate] * blocks[block] / total)
            for block in range(BLOCKS)
            for rate in range(self.block_rates)
        ]

    # --- demand ------------------------------------------------------------------------

    def max_demand(
        self,
        since: datetime,
        until: datetime,
        window: tuple[time, time] | None = None,
        generation: GenerationModel | None = None,
    ) -> tuple[int, datetime | None]:
        """The highest half-hour average power (W) from ``since`` to ``until`` and when
        its half hour ended; ``window`` limits it to a time of day."""
        best, when = 0, None
        slot = floor_to(max(since, EPOCH), SLOT)
        while slot < until:
            if window is None or window[0] <= slot.time() < window[1]:
                if generation is None:
                    watts = int(self.model.slot_demand_w(slot))
                else:
                    watts = int(
                        (generation.register_wh(slot + SLOT) - generation.register_wh(slot)) * 2
                    )
                if watts > best:
                    best, when = watts, slot + SLOT
            slot += SLOT
        return best, when
