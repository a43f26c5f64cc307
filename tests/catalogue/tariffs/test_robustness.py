"""Requests and Commands the family cannot use are refused, never crash: body values out of
range get the Service Reference's DUIS code (E010101 for 1.1, E010201 for 1.2, else E100),
and a meter sent a mutated Command answers it.

The mutations are deterministic (a seeded choice of leaf elements and replacement texts
per template), so a failure reproduces.
"""

from __future__ import annotations

import copy
import random
from dataclasses import replace

import pytest
from lxml import etree

from opendcc.devices.simulator import Outcome
from opendcc.transform.registry import CommandSpec, TransformRefusal, transform
from tests.catalogue.tariffs import support as s

AT = s.RTDS_NOW
GARBAGE = ("", "-1", "99999999999999999999", "abc", "2015-13-45Z", "3.5")
LEAVES_PER_TEMPLATE = 12
SENT_PER_TEMPLATE = 4
CORRUPTIONS_PER_TEMPLATE = 10
WAKES_PER_TEMPLATE = 2


def _body(template: str) -> etree._Element:
    return copy.deepcopy(s.template(template).find(f"{s.SR}Body")[0])  # type: ignore[index]


def _leaves(body: etree._Element) -> list[etree._Element]:
    """The body's leaf elements, less ExecutionDateTime (the hub reads it, not the
    transform: ``TransformInput.execution_at``)."""
    return [
        e
        for e in body.iter()
        if isinstance(e.tag, str)
        and len(e) == 0
        and etree.QName(e).localname != "ExecutionDateTime"
    ]


def _set_first(body: etree._Element, name: str, text: str) -> None:
    node = body.find(f".//{s.SR}{name}")
    assert node is not None, name
    node.text = text


def _refusal(template: str, body: etree._Element) -> TransformRefusal:
    request = s.request_from(template, body=body)
    result = transform(request)
    assert isinstance(result, TransformRefusal), result
    return result


@pytest.mark.parametrize(
    ("template", "element", "text", "code"),
    [
        (
            "ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML",
            "StartTime",
            "25:00:00.00Z",
            "E010101",
        ),
        ("ECS01c_1.1.2_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", "StartTime", "noon", "E010101"),
        ("ECS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", "StandingCharge", "abc", "E010201"),
        ("ECS01d_1.2.2_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", "PriceScale", "1000", "E010201"),
        ("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", "SpecifiedMonth", "13", "E010101"),
        ("GCS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", "StandingCharge", "-1", "E010201"),
        ("CS01a_2.2_SUCCESS_REQUEST_DUIS.XML", "UTRN", "1234", "E100"),
        ("CS01b_2.2_SUCCESS_REQUEST_DUIS.XML", "UTRN", "7394614433204021731x", "E100"),
        ("ECS07_2.3_SUCCESS_REQUEST_DUIS.XML", "DebtRecoveryRatePeriod", "WEEKLY", "E100"),
        ("ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML", "AdjustMeterBalance", "1.5", "E100"),
        ("ECS08a_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", "EmergencyCreditLimit", "x", "E100"),
        ("GCS05_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", "LowCreditThreshold", "", "E100"),
    ],
)
def test_unusable_values_are_refused_with_the_service_reference_code(
    template: str, element: str, text: str, code: str
) -> None:
    body = _body(template)
    _set_first(body, element, text)
    assert _refusal(template, body).code == code


def test_a_gsme_refuses_a_negative_debt_adjustment() -> None:
    body = _body("ECS07_2.3_SUCCESS_REQUEST_DUIS.XML")
    for n in (1, 2):
        recovery = body.find(f"{s.SR}ElecDebtRecovery{n}")
        assert recovery is not None
        recovery.tag = f"{s.SR}GasDebtRecovery{n}"
        scale = recovery.find(f"{s.SR}DebtRecoveryRatePriceScale")
        assert scale is not None
        recovery.remove(scale)
    _set_first(body, "PaymentDebtRegister", "-100")
    request = s.request_from("CS01b_2.2_SUCCESS_REQUEST_DUIS.XML", body=body)
    request = replace(request, variant="2.3")
    result = transform(request)
    assert isinstance(result, TransformRefusal) and result.code == "E100"


def _mutations(template: str) -> list[tuple[int, str]]:
    leaves = _leaves(_body(template))
    chooser = random.Random(template)
    picked = chooser.sample(range(len(leaves)), min(LEAVES_PER_TEMPLATE, len(leaves)))
    return [(index, chooser.choice(GARBAGE)) for index in picked]


@pytest.mark.parametrize("template", s.family_templates())
def test_mutated_requests_are_transformed_or_refused_and_meters_answer(template: str) -> None:
    sent = 0
    for index, text in _mutations(template):
        body = _body(template)
        _leaves(body)[index].text = text
        request = s.request_from(template, body=body)
        result = transform(request)
        assert isinstance(result, CommandSpec | TransformRefusal)
        if isinstance(result, TransformRefusal):
            assert result.code.startswith("E")
            continue
        if sent >= SENT_PER_TEMPLATE:
            continue
        sent += 1
        meter = s.Meter(s.device(request.target.value & 0xFF), variant=s.variant_for(template))
        message = s.command(result, request)
        outcome = meter.simulator.process(message.encode(), meter.state, AT)
        assert outcome.outcome is Outcome.RESPONDED, outcome.reason


@pytest.mark.parametrize("template", s.family_templates())
def test_meters_answer_commands_with_payloads_cut_short(template: str) -> None:
    """A Command whose payload lost its tail decodes badly or is refused: the simulator
    discards or answers it, and the family's handlers never raise."""
    request = s.request_from(template)
    result = transform(request)
    assert isinstance(result, CommandSpec)
    for cut in (1, len(result.payload) // 2):
        short = replace(result, payload=result.payload[:-cut])
        meter = s.Meter(s.device(request.target.value & 0xFF), variant=s.variant_for(template))
        message = s.command(short, request)
        outcome = meter.simulator.process(message.encode(), meter.state, AT)
        assert outcome.outcome in (Outcome.RESPONDED, Outcome.DISCARDED), outcome.reason


@pytest.mark.parametrize("template", s.family_templates())
def test_meters_answer_or_discard_commands_with_corrupted_payloads(template: str) -> None:
    """Payload octets overwritten (the Command still MACs: a faulty sender, not an
    attacker): the meter answers or discards, never raises, and held Commands it
    accepted execute without raising either."""
    request = s.request_from(template)
    result = transform(request)
    assert isinstance(result, CommandSpec)
    chooser = random.Random(f"corrupt {template}")
    for attempt in range(CORRUPTIONS_PER_TEMPLATE):
        payload = bytearray(result.payload)
        for _ in range(chooser.randint(1, 3)):
            payload[chooser.randrange(len(payload))] = chooser.randrange(256)
        meter = s.Meter(s.device(request.target.value & 0xFF), variant=s.variant_for(template))
        message = s.command(replace(result, payload=bytes(payload)), request)
        outcome = meter.simulator.process(message.encode(), meter.state, AT)
        assert outcome.outcome in (Outcome.RESPONDED, Outcome.DISCARDED), outcome.reason
        if attempt < WAKES_PER_TEMPLATE:  # a held Command's execution catches up years
            meter.wake(AT.replace(year=2040))
