"""Bad input never escapes as anything but ``SecInputError`` (or a valid result)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opendcc.sec.outcome import SecInputError
from opendcc.sec.scenario import Scenario, parse_scenario
from opendcc.sec.security_inputs import SecurityInputs, parse_security_inputs

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True)
    | st.sampled_from(
        [
            "",
            "OU",
            "IS",
            "core",
            "local",
            "4.1.1",
            "8F74",
            "ESME",
            "90-B3-D5-1F-30-01-00-00",
            "2016-01-01T00:00:00Z",
            "2016-01-01T00:00:00",
            "not a date",
        ]
    )
    | st.text(max_size=8)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            [
                "devices", "user_identities", "certificates", "file_signing_tokens", "events",
                "device_id", "device_type", "smi_status", "registered_supplier", "provided_by",
                "provided_at", "user_id", "party", "roles", "serial", "eui", "usage",
                "not_after", "revoked_at", "token_id", "holder", "issued_at", "event_id", "at",
                "kind", "alert_code", "suspensions", "requests", "events_of_default", "id",
                "rights", "service", "decided_at", "effective_from", "approval", "lifted_at",
                "variant", "command_variant", "role", "occurred_at", "reference",
                "approved_at", "event_of_default",
            ]
        ),
        inner,
        max_size=6,
    ),
    max_leaves=25,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_security_inputs_parser_is_total(document: Any) -> None:
    try:
        result = parse_security_inputs(document)
    except SecInputError:
        return
    assert isinstance(result, SecurityInputs)


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_scenario_parser_is_total(document: Any) -> None:
    try:
        result = parse_scenario(document)
    except SecInputError:
        return
    assert isinstance(result, Scenario)


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"a": 1}, "scenario: unknown key a"),
        (
            {
                "suspensions": [
                    {
                        "id": "S1",
                        "party": "SUPPLIER-A",
                        "rights": [{"service": "core", "roles": ["IS"]}],
                        "decided_at": "2015-06-10T09:00:00Z",
                        "lifted": "2015-07-01T00:00:00Z",
                    }
                ]
            },
            "scenario.suspensions[0]: unknown key lifted",
        ),
        (
            {"requests": [{"id": "R1", "party": "P", "variant": "4.1.1", "when": "x"}]},
            "scenario.requests[0]: unknown key when",
        ),
    ],
)
def test_a_scenario_key_opendcc_does_not_know_is_named(document: Any, named: str) -> None:
    """A misspelt ``lifted_at`` must not leave a suspension in force without a word."""
    with pytest.raises(SecInputError, match=re.escape(named)):
        parse_scenario(document)
