"""Hypothesis strategies for GBCS frames."""

from __future__ import annotations

from hypothesis import strategies as st

from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra
from opendcc.gbcs.date_time import DlmsDateTime
from opendcc.gbcs.frame import GbcsMessage, GroupingHeader, OtherInformation
from opendcc.gbcs.length import encode_length

counters = st.integers(min_value=0, max_value=(1 << 64) - 1)
euis = st.integers(min_value=0, max_value=(1 << 64) - 1).map(Eui64)
byte = st.integers(min_value=0, max_value=255)


@st.composite
def certificates(draw: st.DrawFn) -> bytes:
    """A DER SEQUENCE of any content (what the other-information field requires), never 8
    bytes long (that would read back as a supplementary originator counter)."""
    body = draw(st.binary(min_size=0, max_size=300).filter(lambda b: len(b) != 6))
    return b"\x30" + encode_length(len(body)) + body


@st.composite
def other_information(draw: st.DrawFn) -> OtherInformation:
    code = draw(st.integers(min_value=0, max_value=0xFFFF))
    depth = draw(st.integers(min_value=0, max_value=4))
    if depth == 0:
        return OtherInformation(code)
    party = draw(euis)
    if depth == 1:
        return OtherInformation(code, party)
    party_counter = draw(counters)
    originator_counter = draw(st.none() | counters.filter(lambda c: c >> 56 != 0x30))
    certificate = draw(st.none() | certificates()) if depth >= 3 else None
    return OtherInformation(code, party, party_counter, originator_counter, certificate)


date_times = st.builds(
    DlmsDateTime,
    year=st.integers(min_value=0, max_value=0xFFFF),
    month=byte,
    day=byte,
    day_of_week=byte,
    hour=byte,
    minute=byte,
    second=byte,
    hundredths=byte,
    deviation=st.integers(min_value=-0x8000, max_value=0x7FFF),
    clock_status=byte,
)


@st.composite
def messages(draw: st.DrawFn) -> GbcsMessage:
    header = GroupingHeader(
        cra=draw(st.sampled_from(list(Cra))),
        originator_counter=draw(counters),
        originator=draw(euis),
        recipient=draw(euis),
        other_information=draw(other_information()),
        date_time=draw(st.none() | date_times),
    )
    payload = draw(st.binary(max_size=600))
    signature = draw(st.none() | st.binary(min_size=64, max_size=64))
    mac_header = draw(st.booleans())
    mac = draw(st.binary(min_size=12, max_size=12)) if mac_header else None
    omitted = (
        not mac_header and signature is None and header.cra is Cra.COMMAND and draw(st.booleans())
    )
    return GbcsMessage(header, payload, signature, mac, mac_header, omitted)
