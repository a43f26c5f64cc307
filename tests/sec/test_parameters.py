"""The parameter files: every value of legal standing is dated and referenced."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opendcc.sec.params import (
    ParameterError,
    ParameterSet,
    Unit,
    default_parameter_directory,
    load_parameters,
    parse_parameter,
)

EXPECTED = {
    "liability.confidential_cap_gbp",
    "liability.classified_cap_gbp",
    "liability.dcc_cap_gbp",
    "liability.unmarked_cap_gbp",
    "m86.in_force",
    "m86.drafting_sec1",
    "m86.drafting_sec2",
    "m86.drafting_proposed_2015",
    "security.in_home_device_maintenance_months",
    "security.tamper_alert_codes",
    "ipr.bmit_regulatory_years",
    "ipr.review_limit",
    "ipr.margin_reduction_schedule",
}


def test_every_parameter_file_loads(parameters: ParameterSet) -> None:
    assert {p.name for p in parameters.all()} == EXPECTED
    assert len(list(default_parameter_directory().rglob("*.yaml"))) == len(EXPECTED)


def test_every_parameter_has_a_reference_with_clause_and_paragraph(
    parameters: ParameterSet,
) -> None:
    for parameter in parameters.all():
        assert parameter.description
        for entry in parameter.values:
            assert entry.references, f"{parameter.name} {entry.start} has no reference"
            for reference in entry.references:
                assert reference.clause.strip(), parameter.name
                assert reference.paragraph.strip(), parameter.name
                assert reference.title.strip(), parameter.name
                assert "15D/019" in reference.source


def test_values_without_legal_standing_say_why(parameters: ParameterSet) -> None:
    defaults = [p for p in parameters.all() if not p.legal_standing]
    assert {p.name for p in defaults} == {
        "security.tamper_alert_codes",
        "ipr.margin_reduction_schedule",
    }
    schedule = parameters.get("ipr.margin_reduction_schedule")
    assert "gives no reduction rates" in schedule.note
    assert "no rates given" in schedule.latest().references[0].paragraph


def test_the_gbp_1_million_cap_is_M2_3(parameters: ParameterSet) -> None:
    on = date(2016, 1, 1)
    assert parameters.gbp("liability.confidential_cap_gbp", on) == Decimal(1_000_000)
    assert parameters.gbp("liability.dcc_cap_gbp", on) == Decimal(1_000_000)
    assert parameters.gbp("liability.classified_cap_gbp", on) is None
    assert parameters.gbp("liability.unmarked_cap_gbp", on) == 0
    reference = parameters.get("liability.confidential_cap_gbp").at(on).references[0]
    assert reference.clause == "M2.3"
    assert reference.paragraph == "31(i), 35"


def test_drafting_in_force_is_dated(parameters: ParameterSet) -> None:
    assert parameters.text("m86.in_force", date(2013, 9, 23)) == "sec1"
    assert parameters.text("m86.in_force", date(2014, 10, 31)) == "sec1"
    assert parameters.text("m86.in_force", date(2014, 11, 1)) == "sec2"
    assert parameters.text("m86.in_force", date(2016, 1, 1)) == "proposed_2015"
    with pytest.raises(ParameterError, match="no value before 2013-09-23"):
        parameters.text("m86.in_force", date(2013, 9, 22))


def test_with_start_moves_one_dated_value(parameters: ParameterSet) -> None:
    moved = parameters.with_start("m86.in_force", "proposed_2015", date(2015, 10, 1), "test")
    assert moved.text("m86.in_force", date(2015, 10, 1)) == "proposed_2015"
    assert parameters.text("m86.in_force", date(2015, 10, 1)) == "sec2"  # original untouched
    entry = moved.get("m86.in_force").at(date(2015, 10, 1))
    assert entry.references[-1].clause == "opendcc configuration"
    with pytest.raises(ParameterError, match="same date"):
        parameters.with_start("m86.in_force", "proposed_2015", date(2014, 11, 1), "clash")
    with pytest.raises(ParameterError, match="no single entry"):
        parameters.with_start("m86.in_force", "sec9", date(2015, 1, 1), "missing")


def test_typed_accessors_refuse_the_wrong_unit(parameters: ParameterSet) -> None:
    with pytest.raises(ParameterError, match="not gbp"):
        parameters.gbp("m86.in_force", date(2016, 1, 1))
    with pytest.raises(ParameterError, match="no SEC parameter"):
        parameters.get("liability.nothing")
    assert parameters.alert_codes("security.tamper_alert_codes", date(2016, 1, 1)) == (
        0x8F74,
        0x8F75,
        0x8F76,
        0x8F78,
    )
    assert parameters.count("ipr.review_limit", date(2014, 1, 1)) == 1
    assert parameters.count("ipr.review_limit", date(2016, 1, 1)) is None


GOOD = """
description: A cap.
unit: gbp
legal_standing: true
values:
  2015-03-26:
    value: 1000000
    reference: {clause: M2.3, paragraph: "35", title: the cap}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "is a mapping"),
        (GOOD.replace("unit: gbp", "unit: furlongs"), "unit must be one of"),
        (GOOD.replace("legal_standing: true", "legal_standing: maybe"), "legal_standing"),
        (GOOD.replace("legal_standing: true", "legal_standing: false"), "must say why"),
        (GOOD.replace("value: 1000000", "value: -5"), "not negative"),
        (GOOD.replace("value: 1000000", "value: lots"), "not a sum of money"),
        (GOOD.replace("2015-03-26", "yesterday"), "value keys are dates"),
        (GOOD.replace("    reference: {clause: M2.3, paragraph: \"35\", title: the cap}\n", ""),
         "at least one reference"),
        (GOOD.replace('paragraph: "35"', 'paragraph: ""'), "non-empty 'paragraph'"),
        (GOOD.replace("clause: M2.3", "clause: null"), "non-empty 'clause'"),
        (GOOD + "extra: 1\n", "unknown keys"),
        ("description: [unclosed", "not valid YAML"),
    ],
)  # fmt: skip
def test_malformed_parameter_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        parse_parameter("liability.test", text, "liability/test.yaml")


def test_a_parameter_directory_is_validated(tmp_path: Path) -> None:
    (tmp_path / "liability").mkdir()
    (tmp_path / "liability" / "cap.yaml").write_text(GOOD, encoding="utf-8")
    params = load_parameters(tmp_path)
    assert params.gbp("liability.cap", date(2015, 3, 26)) == Decimal(1_000_000)
    (tmp_path / "liability" / "bad.yaml").write_text("unit: gbp", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"bad\.yaml"):
        load_parameters(tmp_path)
    with pytest.raises(ParameterError, match="not found"):
        load_parameters(tmp_path / "missing")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_escapes_as_another_error(text: str) -> None:
    try:
        parameter = parse_parameter("fuzz", text)
    except ParameterError:
        return
    assert parameter.unit in Unit  # pragma: no cover - a random text is rarely valid


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["description", "unit", "legal_standing", "note", "values"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.dates(),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=5) | st.dates(), inner, max_size=3)
            ),
            max_leaves=8,
        ),
    )
)
def test_arbitrary_structures_never_escape_as_another_error(document: dict[str, object]) -> None:
    import yaml

    with contextlib.suppress(ParameterError):
        parse_parameter("fuzz", yaml.safe_dump(document))
