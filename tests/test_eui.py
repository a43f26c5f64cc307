from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendcc.eui import Eui64


def test_duis_and_compact_forms_agree() -> None:
    a = Eui64.parse("90-b3-d5-1f-30-00-00-02")
    b = Eui64.parse("90B3D51F30000002")
    assert a == b
    assert str(a) == "90-B3-D5-1F-30-00-00-02"
    assert a.hex == "90b3d51f30000002"
    assert bytes(a) == bytes.fromhex("90b3d51f30000002")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "90-B3-D5-1F-30-00-00",
        "90-B3-D5-1F-30-00-00-0G",
        "90:B3:D5:1F:30:00:00:02",
        "90b3d51f3000000",
        " 90b3d51f30000002",
    ],
)
def test_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        Eui64.parse(text)


@given(st.integers(min_value=0, max_value=(1 << 64) - 1))
def test_round_trips(value: int) -> None:
    eui = Eui64(value)
    assert Eui64.parse(str(eui)) == eui
    assert Eui64.from_bytes(bytes(eui)) == eui
