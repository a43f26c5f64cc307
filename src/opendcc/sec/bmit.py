"""Baseline Margin Implementation Total and the margin at risk from late milestones.

DCC Licence Condition 35, as chapter 8 amends it: the Baseline Margin Implementation Total
(BMIT) is the total Baseline Margin of the first three Regulatory Years (2013/14, 2014/15,
2015/16), adjusted for inflation, with no reference to the completion of implementation
(consultation paras 49 and 51). The years are the parameter ``ipr/bmit_regulatory_years``;
the Baseline Margin amounts (stated in the prices of a base Regulatory Year) and the
inflation index series are data the caller supplies, since neither is in the document.
Each year's margin is restated in that year's prices as margin x index(year) / index(base).

The margin at risk from late Implementation Milestones follows a reduction schedule that is
configuration (``ipr/margin_reduction_schedule``): the document gives no rates, and the
shipped schedule is an illustrative default with no legal standing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from opendcc.sec.ipr import MilestoneRecord
from opendcc.sec.outcome import SecInputError
from opendcc.sec.params import ParameterError, ParameterSet, Unit, default_parameters

BMIT_CLAUSE: Final = "DCC Licence Condition 35 (Baseline Margin Implementation Total)"
_YEAR: Final = re.compile(r"^(\d{4})/(\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class RegulatoryYear:
    """A Regulatory Year of the DCC Licence, 1 April to 31 March, written "2013/14"."""

    start_year: int

    @classmethod
    def parse(cls, label: str) -> RegulatoryYear:
        match = _YEAR.match(label.strip())
        if match is None or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
            raise SecInputError(f"not a Regulatory Year: {label!r} (e.g. 2013/14)")
        return cls(int(match.group(1)))

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True, slots=True)
class InflationIndexSeries:
    """An inflation index by Regulatory Year, and the base year margins are stated in."""

    name: str
    base_year: RegulatoryYear
    values: Mapping[RegulatoryYear, Decimal]

    @classmethod
    def of(cls, name: str, base_year: str, values: Mapping[str, object]) -> InflationIndexSeries:
        """Build a series from labels and numbers (as read from a data file)."""
        parsed = {RegulatoryYear.parse(k): _positive(v, f"{name} {k}") for k, v in values.items()}
        series = cls(name=name, base_year=RegulatoryYear.parse(base_year), values=parsed)
        series.index(series.base_year)
        return series

    def index(self, year: RegulatoryYear) -> Decimal:
        try:
            return self.values[year]
        except KeyError:
            raise SecInputError(f"inflation series {self.name!r} has no value for {year}") from None

    def factor(self, year: RegulatoryYear) -> Decimal:
        """The inflation factor from the base year to ``year``."""
        return self.index(year) / self.index(self.base_year)


@dataclass(frozen=True, slots=True)
class BmitLine:
    year: RegulatoryYear
    baseline_margin: Decimal
    factor: Decimal
    adjusted: Decimal


@dataclass(frozen=True, slots=True)
class BaselineMarginImplementationTotal:
    total: Decimal
    lines: tuple[BmitLine, ...]
    series: str
    clause: str = BMIT_CLAUSE
    paragraph: str = "49, 51"

    def to_json(self) -> dict[str, object]:
        return {
            "total_gbp": str(self.total),
            "inflation_series": self.series,
            "clause": self.clause,
            "paragraph": self.paragraph,
            "years": [
                {
                    "year": line.year.label,
                    "baseline_margin_gbp": str(line.baseline_margin),
                    "factor": str(line.factor),
                    "adjusted_gbp": str(line.adjusted),
                }
                for line in self.lines
            ],
        }


PENNY: Final = Decimal("0.01")


def parse_baseline_margins(raw: Mapping[object, object]) -> dict[RegulatoryYear, Decimal]:
    """Baseline Margin amounts by Regulatory Year from a data file's mapping."""
    return {
        RegulatoryYear.parse(str(year)): _non_negative(amount, f"Baseline Margin {year}")
        for year, amount in raw.items()
    }


def baseline_margin_implementation_total(
    baseline_margins: Mapping[RegulatoryYear, Decimal],
    series: InflationIndexSeries,
    on: date,
    parameters: ParameterSet | None = None,
) -> BaselineMarginImplementationTotal:
    """Licence Condition 35: BMIT, the inflation-adjusted Baseline Margin of the three years.

    Consultation paras 49 and 51: the years are fixed, whatever the date of completion of
    implementation (which this function therefore does not take).
    """
    params = parameters or default_parameters()
    years = [
        RegulatoryYear.parse(y) for y in params.regulatory_years("ipr.bmit_regulatory_years", on)
    ]
    lines = []
    for year in years:
        if year not in baseline_margins:
            raise SecInputError(f"no Baseline Margin given for Regulatory Year {year}")
        margin = _non_negative(baseline_margins[year], f"Baseline Margin {year}")
        factor = series.factor(year)
        lines.append(
            BmitLine(
                year=year,
                baseline_margin=margin,
                factor=factor,
                adjusted=(margin * factor).quantize(PENNY),
            )
        )
    return BaselineMarginImplementationTotal(
        total=sum((line.adjusted for line in lines), Decimal(0)),
        lines=tuple(lines),
        series=series.name,
    )


@dataclass(frozen=True, slots=True)
class ReductionBand:
    days_late_from: int
    reduction: Decimal


@dataclass(frozen=True, slots=True)
class ReductionSchedule:
    """Configuration: each milestone's share of BMIT and the reduction by days late."""

    bands: tuple[ReductionBand, ...]
    shares: Mapping[str, Decimal] | None  # None: an equal share per milestone

    def reduction(self, days_late: int) -> Decimal:
        applicable = Decimal(0)
        for band in self.bands:
            if days_late >= band.days_late_from:
                applicable = band.reduction
        return applicable

    def share(self, milestone_id: str, milestone_count: int) -> Decimal:
        if self.shares is None:
            return Decimal(1) / Decimal(milestone_count)
        return self.shares.get(milestone_id, Decimal(0))


def reduction_schedule(on: date, parameters: ParameterSet | None = None) -> ReductionSchedule:
    """The margin reduction schedule configured for ``on`` (validated)."""
    params = parameters or default_parameters()
    raw = params.mapping("ipr.margin_reduction_schedule", on, Unit.REDUCTION_SCHEDULE)
    where = "ipr.margin_reduction_schedule"
    raw_bands = raw.get("bands")
    if not isinstance(raw_bands, list) or not raw_bands:
        raise ParameterError(f"{where}: bands must be a non-empty list")
    bands = []
    for item in raw_bands:
        if not isinstance(item, dict):
            raise ParameterError(f"{where}: a band is a mapping")
        start = item.get("days_late_from")
        if isinstance(start, bool) or not isinstance(start, int) or start < 1:
            raise ParameterError(f"{where}: days_late_from is a whole number >= 1")
        reduction = _fraction(item.get("reduction"), where)
        bands.append(ReductionBand(days_late_from=start, reduction=reduction))
    bands.sort(key=lambda b: b.days_late_from)
    if len({b.days_late_from for b in bands}) != len(bands) or any(
        later.reduction < earlier.reduction for earlier, later in itertools.pairwise(bands)
    ):
        raise ParameterError(f"{where}: bands must start on distinct days and never decrease")
    raw_shares = raw.get("milestone_shares", "equal")
    shares: dict[str, Decimal] | None
    if raw_shares == "equal":
        shares = None
    elif isinstance(raw_shares, dict):
        shares = {str(k): _fraction(v, where) for k, v in raw_shares.items()}
        if sum(shares.values(), Decimal(0)) > 1:
            raise ParameterError(f"{where}: milestone shares add up to more than 1")
    else:
        raise ParameterError(f"{where}: milestone_shares is 'equal' or a mapping of fractions")
    return ReductionSchedule(bands=tuple(bands), shares=shares)


@dataclass(frozen=True, slots=True)
class MarginAtRiskLine:
    milestone_id: str
    days_late: int
    share: Decimal
    reduction: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class MarginAtRisk:
    total: Decimal
    lines: tuple[MarginAtRiskLine, ...]
    legal_standing: bool

    def to_json(self) -> dict[str, object]:
        return {
            "total_gbp": str(self.total),
            "legal_standing": self.legal_standing,
            "milestones": [
                {
                    "milestone_id": line.milestone_id,
                    "days_late": line.days_late,
                    "share": str(line.share),
                    "reduction": str(line.reduction),
                    "amount_gbp": str(line.amount),
                }
                for line in self.lines
            ],
        }


def margin_at_risk(
    bmit: Decimal,
    milestones: Iterable[MilestoneRecord],
    on: date,
    parameters: ParameterSet | None = None,
) -> MarginAtRisk:
    """DCC Licence Schedule 3: the part of BMIT at risk from late Implementation Milestones.

    Lateness is measured against the terms in force (as varied by reviews); the rates are
    configuration, since consultation paras 46 to 51 give none.
    """
    params = parameters or default_parameters()
    schedule = reduction_schedule(on, params)
    records = sorted(milestones, key=lambda r: r.milestone_id)
    lines = []
    for record in records:
        days = record.days_late(on)
        share = schedule.share(record.milestone_id, len(records))
        reduction = schedule.reduction(days)
        lines.append(
            MarginAtRiskLine(
                milestone_id=record.milestone_id,
                days_late=days,
                share=share,
                reduction=reduction,
                amount=(bmit * share * reduction).quantize(PENNY),
            )
        )
    return MarginAtRisk(
        total=sum((line.amount for line in lines), Decimal(0)),
        lines=tuple(lines),
        legal_standing=params.get("ipr.margin_reduction_schedule").legal_standing,
    )


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise SecInputError(f"{what}: expected a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise SecInputError(f"{what}: expected a number, got {value!r}") from None
    if not number.is_finite():
        raise SecInputError(f"{what}: expected a finite number")
    return number


def _positive(value: object, what: str) -> Decimal:
    number = _decimal(value, what)
    if number <= 0:
        raise SecInputError(f"{what}: an index value is positive")
    return number


def _non_negative(value: object, what: str) -> Decimal:
    number = _decimal(value, what)
    if number < 0:
        raise SecInputError(f"{what}: must not be negative")
    return number


def _fraction(value: object, where: str) -> Decimal:
    try:
        number = _decimal(value, where)
    except SecInputError as exc:
        raise ParameterError(str(exc)) from None
    if not 0 <= number <= 1:
        raise ParameterError(f"{where}: a fraction lies between 0 and 1, got {value!r}")
    return number
