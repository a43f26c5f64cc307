"""``duisxml.eui``: the one reader of a body's EUI-64s (DeviceID, OtherDeviceID...)."""

from __future__ import annotations

import pytest

from opendcc.duis import build
from opendcc.eui import Eui64
from opendcc.transform import duisxml as x


def test_reads_a_device_id_from_the_element_or_its_child() -> None:
    node = build.sr("DeviceID", " 00-db-12-34-56-78-90-a0 ")
    body = build.sr("CHFNoFaultReturn", children=[node])
    expected = Eui64.parse("00-DB-12-34-56-78-90-A0")
    assert x.eui(body, "DeviceID") == expected
    assert x.eui(node) == expected


def test_refuses_a_value_that_is_no_eui_and_a_missing_child() -> None:
    body = build.sr("CHFNoFaultReturn", children=[build.sr("DeviceID", "00-DB-12")])
    with pytest.raises(x.BodyValueError, match="not an EUI-64: '00-DB-12'"):
        x.eui(body, "DeviceID")
    with pytest.raises(x.BodyValueError, match="has no OtherDeviceID"):
        x.eui(body, "OtherDeviceID")
