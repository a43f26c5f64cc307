from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opendcc.duis.ids import UINT64_MAX, RequestId, ResponseId, time_based_counter
from opendcc.eui import Eui64


def test_request_id_parses_either_case_and_prints_upper_case() -> None:
    rid = RequestId.parse("00-db-12-34-56-78-00-04:00-DB-12-34-56-78-90-A0:1000")
    assert rid.originator == Eui64.parse("00-DB-12-34-56-78-00-04")
    assert rid.target == Eui64.parse("00-DB-12-34-56-78-90-A0")
    assert rid.counter == 1000
    assert str(rid) == "00-DB-12-34-56-78-00-04:00-DB-12-34-56-78-90-A0:1000"


def test_response_id_swaps_the_euis_and_keeps_the_counter() -> None:
    rid = RequestId.parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:77")
    response = rid.response_id()
    assert response == ResponseId.parse("00-DB-12-34-56-78-90-A0:90-B3-D5-1F-30-01-00-00:77")
    assert response.request_id() == rid


def test_counter_bounds_are_uint64() -> None:
    top = f"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:{UINT64_MAX}"
    assert RequestId.parse(top).counter == UINT64_MAX
    with pytest.raises(ValueError, match="uint64"):
        RequestId.parse(top[:-1] + "6")
    with pytest.raises(ValueError):
        RequestId(Eui64(1), Eui64(2), -1)


@pytest.mark.parametrize(
    "text",
    [
        "90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE::1000",  # DCC Boxed's invalid sample
        "90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE:01000",  # leading zero
        "90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36:1000",
        "90B3D51F30010000:0007 81D7000036CE:1000",
        "90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE:-1",
        "",
        "90-B3-D5-1F-30-01-00-00:00-07-81-D7-00-00-36-CE:1000:1",
    ],
)
def test_malformed_request_ids_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        RequestId.parse(text)


def test_time_based_counter_is_milliseconds_and_always_increases() -> None:
    now = datetime(2022, 6, 16, 16, 34, 8, 260_123, tzinfo=UTC)
    assert time_based_counter(now) == 1655397248260
    assert time_based_counter(now, previous=1655397248260) == 1655397248261
    assert time_based_counter(now, previous=5) == 1655397248260
    with pytest.raises(ValueError):
        time_based_counter(datetime(2022, 1, 1))
