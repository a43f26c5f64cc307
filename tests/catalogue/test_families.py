"""The families working together on one Device: what one family's Commands configure,
another's Commands act on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opendcc.devices import catalogue as _devices  # noqa: F401  (registers every handler)
from opendcc.transform import catalogue as _transforms  # noqa: F401
from tests.catalogue.config import support as s
from tests.catalogue.config.cases import E
from tests.catalogue.config.estate import Premises, ok


@pytest.mark.conformance
def test_auxiliary_switches_follow_the_calendar_the_configuration_family_wrote() -> None:
    """6.14.1 and 6.14.2 (configuration) write descriptions and the calendar; 7.7 (supply)
    reports them and the switch output states the calendar gives at the time asked."""
    premises = Premises()
    names = E(
        "UpdateDeviceConfigurationALCDescriptions",
        E("ALCSHCALCSDescription", E("SwitchDescription", "Storage heater"), index="1"),
    )
    assert ok(premises.ask("6.14.1", 0xA0, names))
    calendar = s.request_from("ECS46c_6.14.2_IMMEDIATE_SOME_OPTIONALS_SUCCESS_REQUEST_DUIS.XML")
    assert ok(premises.ask("6.14.2", 0xA0, calendar.body))

    def switch_data(hour: int) -> dict[str, object]:
        premises.now = datetime(2015, 1, 5, hour, tzinfo=UTC)  # a Monday
        values: dict[str, object] = premises.ask("7.7", 0xA0, E("ReadAuxiliaryLoadSwitchData"))[
            "values"
        ]
        return values

    before, during, after = switch_data(5), switch_data(7), switch_data(11)
    # Switch 1 is on from 06:00 to 10:00 every day; the others are not scheduled then.
    assert [v["AuxiliaryLoadControlSwitch1.OutputState"] for v in (before, during, after)] == [
        False,
        True,
        False,
    ]
    assert during["AuxiliaryLoadControlSwitch2.OutputState"] is False
    assert during["AuxiliaryControllerDescription1"] == "Storage heater"
    assert during["AuxiliaryControllerHCALCSID2"] == str(s.eui(0x97))
    schedule = during["AuxiliaryControllerSchedule"]
    assert isinstance(schedule, list) and schedule[0]["switch_time"] == "06:00:00"
