"""The pre-encoded fixed Commands are the library's own encoding for every counter."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.payload import encode
from opendcc.transform.supply_objects import CONTROLLERS, description, hcalcs_id
from opendcc.transform.supply_prebuilt import FixedRequest

REQUESTS = [b.get(1, description(n), 2) for n in CONTROLLERS] + [
    b.get(1, hcalcs_id(n), 2) for n in CONTROLLERS
]
FIXED = FixedRequest(REQUESTS)


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_fixed_request_matches_a_full_encoding(counter: int) -> None:
    assert FIXED.encode(counter) == encode(b.payload(b.access_request(counter, REQUESTS)))
