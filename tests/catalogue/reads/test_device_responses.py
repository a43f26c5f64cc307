"""The simulated Devices answer every reads use case as the reference Responses do.

For each RESPONSE vector of the family the matching request is sent to a simulated
Device of the reference premises, whose state holds data for the period asked, and both
Responses are decoded with ``opendcc.gbcs.codec.decode`` and compared by structure
(``shapes``): message code, CRA, relayed or not, payload format, APDU results or GBZ
components, and the type of every value.

- SUCCESS vectors: the whole structure is equal.
- NOT_FOUND vectors: the Device, asked for a period it holds nothing for (or, for the
  network data log, before GCS31 started it), answers the same Default Response.
- ERROR vectors: a Device with a read fault injected answers every request or component
  with a failure, in the same positions and kinds; and every request the reference Device
  did answer is answered by a healthy simulated Device with the same structure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opendcc.devices.reads_state import (
    EVERY_REQUEST,
    LogKind,
    NetworkDataLog,
    inject_read_fault,
    log_event,
    record_billing_snapshot,
    record_debt_payment,
    record_prepayment_credit,
    set_esme_variant,
)
from opendcc.gbcs.codec import DecodedMessage, decode
from opendcc.gbcs.dlms.datetimes import to_gbcs_seconds
from opendcc.inventory.model import DeviceType
from opendcc.roles import UserRole
from tests.catalogue.reads import shapes
from tests.catalogue.reads.harness import (
    CHF_ID,
    DEVICES,
    ESME_ID,
    GSME_ID,
    READS_VARIANTS,
    SR,
    EsmeVariants,
    Estate,
    Template,
    body_with_period,
    load_template,
    reads_templates,
    security,
)
from tests.catalogue.reads.vectors import body_from_vector, command_vector_paths, load_vector
from tests.reference import REFERENCE_DIR, check_present

NOW = datetime(2026, 3, 15, 10, 17, tzinfo=UTC)
PAST = (datetime(2014, 12, 1, tzinfo=UTC), datetime(2014, 12, 31, tzinfo=UTC))


def _response_vectors() -> list[object]:
    base = REFERENCE_DIR / "gbcs" / "rtds"
    paths = sorted(
        p
        for variant in READS_VARIANTS
        for folder in (base.glob(f"{variant}_*") if base.is_dir() else ())
        for p in folder.glob("*_RESPONSE_GBCS.HEX")
    )
    if not paths:
        from tests.reference import MISSING

        return [pytest.param(MISSING, id="reference-missing")]
    return [pytest.param(p, id=p.name.removesuffix("_RESPONSE_GBCS.HEX")) for p in paths]


def _template(use_case: str, variant: str, name: str) -> Template:
    """A request of the same use case: its template (the same stem if there is one), else
    the request rebuilt from one of its Command vectors."""
    candidates = [
        load_template(p) for p in reads_templates() if p.name.startswith(f"{use_case}_{variant}_")
    ]
    for template in candidates:
        if name.startswith(template.stem + "_"):
            return template
    if candidates:
        return candidates[0]
    vector = load_vector(command_vector_paths(variant)[0])
    for path in command_vector_paths(variant):
        if path.name.startswith(use_case + "_"):
            vector = load_vector(path)
            break
    return Template(
        vector.path,
        vector.stem,
        use_case,
        variant,
        vector.user,
        vector.message.recipient,
        vector.user_counter,
        body_from_vector(vector),
    )


def _period(variant: str) -> tuple[datetime, datetime]:
    if variant.startswith(("4.8", "4.10", "6.13")):
        return NOW - timedelta(days=1), NOW
    return NOW - timedelta(days=40), NOW


def _estate(reference: DecodedMessage, name: str) -> Estate:
    estate = Estate()
    esme = estate.state(ESME_ID)
    set_esme_variant(esme, "C" if name.startswith("ECS23b") else "B" if "TWIN" in name else "A")
    for eui in DEVICES:
        state = estate.state(eui)
        log_event(state, 0x8154, NOW - timedelta(hours=3), other_information=b"\x00\x9b")
        log_event(state, 0x8F0C, NOW - timedelta(hours=2))
        log_event(state, 0x8F35, NOW - timedelta(hours=4), log=LogKind.POWER_EVENT)
        log_event(
            state,
            0x0112,
            NOW - timedelta(hours=5),
            log=LogKind.AUXILIARY_CONTROLLER,
            outcome=1,
            han_command_time=1_418_601_600,
        )
    for eui in (ESME_ID, GSME_ID):
        state = estate.state(eui)
        record_billing_snapshot(state, NOW - timedelta(days=3))
        record_debt_payment(state, 95, NOW - timedelta(days=2), outstanding=1000)
        record_prepayment_credit(state, 1000, NOW - timedelta(days=2), b"73942316567647575864")
    if not name.startswith("GCS18_4.10_NOT_FOUND"):
        sampling = estate.state(GSME_ID).get(NetworkDataLog)
        sampling.started = to_gbcs_seconds(NOW - timedelta(hours=3))
        estate.state(GSME_ID).touch()
    return estate


def _answer(
    path: Path,
    *,
    fault: bool = False,
    empty: bool = False,
    place: int = EVERY_REQUEST,
    attribute: str | None = None,
    period: tuple[datetime, datetime] | None = None,
    setup: Callable[[Estate], None] | None = None,
) -> DecodedMessage:
    """The simulated Device's answer to the vector's request: with a read fault
    (``fault``, ``place``, ``attribute``), for a period it holds nothing for (``empty``)
    or for ``period`` (default: the variant's), after ``setup`` of the estate."""
    reference = decode(bytes.fromhex(path.read_text().strip()), security())
    name = path.name
    use_case, variant = name.split("_")[:2]
    template = _template(use_case, variant, name)
    body = template.body
    if body.find(f"{SR}ReadLogPeriod") is not None:
        start, end = PAST if empty else period or _period(variant)
        body = body_with_period(template, start, end)
    if reference.message.header.other_information.supplementary_remote_party is None:
        certificate = body.find(f"{SR}KAPublicSecurityCredentials")
        if certificate is not None:
            body.remove(certificate)
    estate = _estate(reference, name)
    if setup is not None:
        setup(estate)
    target = reference.message.originator
    if fault:
        inject_read_fault(estate.state(target), use_case, place=place, attribute=attribute)
    inventory = EsmeVariants({ESME_ID: "C" if use_case == "ECS23b" else "A"})
    # The reference GCS15d Response answers an ACB Command for a Gas Supplier, which
    # opendcc sends directly: take it as an unknown remote party's to get the same form.
    role = UserRole.OTHER_USER if use_case == "GCS15d" and "_SUCCESS_" in name else None
    return estate.answer(template, NOW, body=body, target=target, inventory=inventory, role=role)


@pytest.mark.conformance
@pytest.mark.parametrize("path", _response_vectors())
def test_simulated_answer_has_the_reference_structure(path: Path) -> None:
    check_present(path)
    reference = decode(bytes.fromhex(path.read_text().strip()), security())
    expected = shapes.shape(reference)
    name = path.name
    if "_NOT_FOUND_" in name:
        assert shapes.shape(_answer(path, empty=True)) == expected
        return
    if "_ERROR_" not in name:
        assert shapes.shape(_answer(path)) == expected
        return
    faulty = shapes.shape(_answer(path, fault=True))
    assert faulty[:4] == expected[:4]
    assert len(faulty[4]) == len(expected[4])
    for mine, theirs in zip(faulty[4], expected[4], strict=True):
        assert _failed(mine), mine
        assert mine[0] == theirs[0] if isinstance(mine[0], str) else True
    healthy = shapes.results(_answer(path))
    compared = 0
    for mine, theirs in zip(healthy, expected[4], strict=True):
        if _failed(theirs) or _failed(mine):
            continue
        assert mine == theirs
        compared += 1
    if any(not _failed(theirs) for theirs in expected[4]):
        assert compared, "no answered request to compare"


def _failed(result: object) -> bool:
    """A DLMS result that is not a success, or a GBZ component that carries no data."""
    assert isinstance(result, tuple)
    if isinstance(result[0], str):  # DLMS: (kind, ok, ...)
        return not result[1]
    body = result[4]
    if isinstance(body, tuple) and body and body[0] == "default-response":
        return True
    if isinstance(body, tuple) and body and isinstance(body[0], tuple):
        return not all(ok for _, ok, _ in body)  # a Read Attributes Response
    return False


@pytest.mark.conformance
def test_the_chf_reads_its_own_logs_through_the_acb() -> None:
    template = next(load_template(p) for p in reads_templates() if p.name.startswith("ECS35c_"))
    estate = Estate()
    log_event(estate.state(CHF_ID), 0x8154, NOW - timedelta(hours=1), other_information=b"\x00\x9b")
    body = body_with_period(template, NOW - timedelta(days=1), NOW)
    decoded = estate.answer(template, NOW, body=body)
    assert DEVICES[decoded.message.originator].device_type is DeviceType.CHF
    assert decoded.message.header.other_information.supplementary_remote_party is not None
    entries = decoded.payload.to_json()["values"]["EventLog"]
    assert [e["LogCode"] for e in entries] == ["8154"]
