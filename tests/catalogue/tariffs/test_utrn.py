"""UTRN verification (GBCS 14): the reference UTRNs verify for the reference Commands'
counters with the reference keys; minted UTRNs round-trip; any change is caught."""

from __future__ import annotations

import pytest

from opendcc.devices.tariffs_utrn import (
    PPTD_BASE,
    UtrnError,
    UtrnFailure,
    ValueClass,
    check_digit,
    mint,
    parse,
    verify,
)
from opendcc.eui import Eui64
from tests.catalogue.tariffs import support as s

REFERENCE_TOP_UPS = [
    # (template, value class, value): the value the reference UTRN carries
    ("CS01a_2.2_SUCCESS_REQUEST_DUIS.XML", ValueClass.POUNDS, 10),
    ("CS01b_2.2_SUCCESS_REQUEST_DUIS.XML", ValueClass.PENNIES, 1250),
]


@pytest.mark.conformance
@pytest.mark.parametrize(("template", "value_class", "value"), REFERENCE_TOP_UPS)
def test_reference_utrns_verify(template: str, value_class: ValueClass, value: int) -> None:
    request = s.request_from(template)
    utrn = request.body.findtext(f"{s.SR}UTRN")
    assert utrn is not None
    token = verify(utrn, request.counter, request.originator, request.target, s.security())
    assert (token.value_class, token.value) == (value_class, value)
    assert token.amount == value * value_class.minor_units


@pytest.mark.conformance
@pytest.mark.parametrize(("template", "value_class", "value"), REFERENCE_TOP_UPS)
def test_minting_reproduces_the_reference_utrns(
    template: str, value_class: ValueClass, value: int
) -> None:
    request = s.request_from(template)
    utrn = mint(
        request.counter, value, request.originator, request.target, s.security(), value_class
    )
    assert utrn == request.body.findtext(f"{s.SR}UTRN")


@pytest.mark.parametrize("template", [t for t, _, _ in REFERENCE_TOP_UPS])
def test_reference_utrns_fail_for_another_counter_or_device(template: str) -> None:
    request = s.request_from(template)
    utrn = request.body.findtext(f"{s.SR}UTRN")
    assert utrn is not None
    with pytest.raises(UtrnError) as caught:
        verify(utrn, request.counter + (1 << 32), request.originator, request.target, s.security())
    assert caught.value.reason is UtrnFailure.COUNTER
    with pytest.raises(UtrnError) as caught:
        verify(utrn, request.counter + 1, request.originator, request.target, s.security())
    assert caught.value.reason is UtrnFailure.NOT_AUTHENTIC
    other = Eui64(request.target.value ^ 0x01)
    with pytest.raises(UtrnError):
        verify(utrn, request.counter, request.originator, other, s.security())


def test_the_check_digit_catches_single_digit_errors_and_transpositions() -> None:
    utrn = mint(3 << 32, 777, s.SUPPLIER, s.ESME.device_id, s.device_security())
    body = utrn[:-1]
    assert check_digit(body) == utrn[-1]
    for i in range(len(body)):
        for d in "0123456789":
            if d != body[i]:
                changed = body[:i] + d + body[i + 1 :]
                assert check_digit(changed) != utrn[-1]
    for i in range(len(body) - 1):
        if body[i] != body[i + 1]:
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
            assert check_digit(swapped) != utrn[-1]


def test_parse_rejects_what_is_not_a_utrn() -> None:
    good = mint(3 << 32, 777, s.SUPPLIER, s.ESME.device_id, s.device_security())
    for bad in (
        "",
        "1234",
        good[:-1],
        good + "0",
        "x" * 20,
        good[:-1] + str((int(good[-1]) + 1) % 10),
    ):
        with pytest.raises(UtrnError):
            parse(bad)


@pytest.mark.parametrize("value_class", list(ValueClass))
@pytest.mark.parametrize("value", [0, 1, 999, 8191])
def test_mint_then_verify_round_trips(value_class: ValueClass, value: int) -> None:
    counter = 0x2A5 << 32
    utrn = mint(counter, value, s.SUPPLIER, s.GSME.device_id, s.device_security(), value_class)
    assert len(utrn) == 20 and utrn.isdigit()
    assert int(utrn[:-1]) >= PPTD_BASE
    token = verify(utrn, counter, s.SUPPLIER, s.GSME.device_id, s.device_security())
    assert (token.value, token.value_class) == (value, value_class)


def test_values_out_of_range_cannot_be_minted() -> None:
    with pytest.raises(ValueError):
        mint(1 << 32, 8192, s.SUPPLIER, s.GSME.device_id, s.device_security())
