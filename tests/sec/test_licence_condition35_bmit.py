"""DCC Licence Condition 35: BMIT over the first three Regulatory Years; margin at risk."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from opendcc.sec.bmit import (
    InflationIndexSeries,
    RegulatoryYear,
    baseline_margin_implementation_total,
    margin_at_risk,
    parse_baseline_margins,
    reduction_schedule,
)
from opendcc.sec.ipr import (
    ImplementationMilestone,
    ImplementationMilestoneRegister,
)
from opendcc.sec.outcome import SecInputError
from opendcc.sec.params import ParameterError, ParameterSet, parse_parameter

ON = date(2016, 1, 1)
MARGINS = parse_baseline_margins({"2013/14": 1_000_000, "2014/15": 2_000_000, "2015/16": 3_000_000})
RPI = InflationIndexSeries.of(
    "RPI", "2013/14", {"2013/14": "250.0", "2014/15": "255.0", "2015/16": "257.5"}
)
CPI = InflationIndexSeries.of(
    "CPI", "2013/14", {"2013/14": "100.0", "2014/15": "101.5", "2015/16": "101.6"}
)


def test_condition35_bmit_is_the_three_regulatory_years_adjusted(parameters: ParameterSet) -> None:
    bmit = baseline_margin_implementation_total(MARGINS, RPI, ON, parameters)
    assert [line.year.label for line in bmit.lines] == ["2013/14", "2014/15", "2015/16"]
    # 1,000,000 + 2,000,000 x 255/250 + 3,000,000 x 257.5/250
    assert bmit.total == Decimal("1000000.00") + Decimal("2040000.00") + Decimal("3090000.00")
    assert bmit.paragraph == "49, 51"


def test_condition35_bmit_with_a_different_inflation_series(parameters: ParameterSet) -> None:
    rpi = baseline_margin_implementation_total(MARGINS, RPI, ON, parameters)
    cpi = baseline_margin_implementation_total(MARGINS, CPI, ON, parameters)
    assert cpi.total == Decimal("1000000.00") + Decimal("2030000.00") + Decimal("3048000.00")
    assert cpi.total != rpi.total
    assert cpi.to_json()["inflation_series"] == "CPI"


def test_condition35_bmit_ignores_later_years_and_completion(parameters: ParameterSet) -> None:
    more = dict(MARGINS)
    more[RegulatoryYear.parse("2016/17")] = Decimal(9_999_999)
    series = InflationIndexSeries.of(
        "RPI+", "2013/14", {"2013/14": 250, "2014/15": 255, "2015/16": 257.5, "2016/17": 260}
    )
    assert (
        baseline_margin_implementation_total(more, series, ON, parameters).total
        == baseline_margin_implementation_total(MARGINS, RPI, ON, parameters).total
    )


def test_condition35_bmit_input_errors(parameters: ParameterSet) -> None:
    partial = {RegulatoryYear.parse("2013/14"): Decimal(1)}
    with pytest.raises(SecInputError, match="no Baseline Margin given for Regulatory Year 2014/15"):
        baseline_margin_implementation_total(partial, RPI, ON, parameters)
    short = InflationIndexSeries.of("short", "2013/14", {"2013/14": 1})
    with pytest.raises(SecInputError, match="no value for 2014/15"):
        baseline_margin_implementation_total(MARGINS, short, ON, parameters)
    with pytest.raises(SecInputError, match="not a Regulatory Year"):
        RegulatoryYear.parse("2013/15")
    with pytest.raises(SecInputError, match="positive"):
        InflationIndexSeries.of("bad", "2013/14", {"2013/14": 0})
    with pytest.raises(SecInputError, match="no value for 2012/13"):
        InflationIndexSeries.of("bad", "2012/13", {"2013/14": 1})
    with pytest.raises(SecInputError, match="not be negative"):
        parse_baseline_margins({"2013/14": -1})
    with pytest.raises(SecInputError, match="expected a number"):
        parse_baseline_margins({"2013/14": "lots"})


def _milestones(parameters: ParameterSet) -> ImplementationMilestoneRegister:
    register = ImplementationMilestoneRegister(parameters=parameters)
    for n, due in (
        (1, date(2015, 1, 1)),
        (2, date(2015, 6, 1)),
        (3, date(2016, 1, 1)),
        (4, date(2017, 1, 1)),
    ):
        register.add_milestone(ImplementationMilestone(f"IM{n}", f"IM{n}", due, ("c",)))
    register.record_achievement("IM1", date(2014, 12, 20))  # on time
    register.record_achievement("IM2", date(2015, 7, 11))  # 40 days late
    return register


def test_margin_at_risk_follows_the_configured_schedule(parameters: ParameterSet) -> None:
    register = _milestones(parameters)
    risk = margin_at_risk(Decimal(4_000_000), register.milestones(), date(2016, 4, 10), parameters)
    lines = {line.milestone_id: line for line in risk.lines}
    assert lines["IM1"].amount == 0
    assert lines["IM2"].days_late == 40 and lines["IM2"].reduction == Decimal("0.50")
    assert lines["IM2"].amount == Decimal("500000.00")  # a quarter share, half of it
    assert lines["IM3"].days_late == 100 and lines["IM3"].amount == Decimal("1000000.00")
    assert lines["IM4"].amount == 0  # not yet due
    assert risk.total == Decimal("1500000.00")
    assert risk.legal_standing is False  # the document gives no rates


DEFAULT_VALUE = (
    '{milestone_shares: {IM2: "0.6", IM3: "0.4"}, bands: [{days_late_from: 1, reduction: "1"}]}'
)
SCHEDULE_TEMPLATE = """
description: test schedule
unit: reduction_schedule
legal_standing: false
note: test values
values:
  2015-03-26:
    value: VALUE
    reference: {clause: test, paragraph: "none", title: test}
"""
SCHEDULE = SCHEDULE_TEMPLATE.replace("VALUE", DEFAULT_VALUE)


def test_margin_at_risk_with_another_schedule(parameters: ParameterSet) -> None:
    custom = ParameterSet(
        {
            **parameters.parameters,
            "ipr.margin_reduction_schedule": parse_parameter(
                "ipr.margin_reduction_schedule", SCHEDULE
            ),
        }
    )
    register = _milestones(parameters)
    risk = margin_at_risk(Decimal(1_000_000), register.milestones(), date(2016, 4, 10), custom)
    assert {line.milestone_id: line.amount for line in risk.lines} == {
        "IM1": 0,
        "IM2": Decimal("600000.00"),
        "IM3": Decimal("400000.00"),
        "IM4": 0,
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{bands: []}", "non-empty"),
        ("{bands: [{days_late_from: 0, reduction: '0.5'}]}", "whole number >= 1"),
        ("{bands: [{days_late_from: 1, reduction: '1.5'}]}", "between 0 and 1"),
        ("{bands: [{days_late_from: 1, reduction: '0.5'}, {days_late_from: 9, reduction: '0.2'}]}",
         "never decrease"),
        ("{bands: [{days_late_from: 1, reduction: '0.5'}], milestone_shares: {A: '0.7', B: '0.6'}}",
         "more than 1"),
        ("{bands: [{days_late_from: 1, reduction: '0.5'}], milestone_shares: half}", "'equal'"),
    ],
)  # fmt: skip
def test_malformed_reduction_schedules_are_refused(
    parameters: ParameterSet, value: str, message: str
) -> None:
    text = SCHEDULE_TEMPLATE.replace("VALUE", value)
    custom = ParameterSet(
        {
            **parameters.parameters,
            "ipr.margin_reduction_schedule": parse_parameter("ipr.margin_reduction_schedule", text),
        }
    )
    with pytest.raises(ParameterError, match=message):
        reduction_schedule(ON, custom)
