"""Every reference DUIS request template, sent over HTTP to a running hub in DCC Boxed mode.

Each template is re-signed (fresh RequestID counter) with the DCC Boxed XML-signing key of its
originator and sent to the endpoint of its Command Variant; critical ones go through the
Pre-Command round trip (CV 4, signed Pre-Command, CV 5). Every synchronous answer must be a
schema-valid DUIS Response signed by the hub; every asynchronous Response the Users' receiver
takes is checked against the DUIS schema and the DSP's signature before it is accepted. The
per-variant outcome is written to ``templates-report.json`` (in the test's directory) and
summarised in the test output, so a run shows which Service Reference Variants succeed.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter as Tally
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Final

import pytest
from lxml import etree

from opendcc.client.identity import UserIdentity
from opendcc.client.receiver import CallbackReceiver
from opendcc.client.requests import Counter, prepare
from opendcc.client.session import DuisClient
from opendcc.clock import SystemClock
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.schema import DuisSchema, load_schema
from opendcc.duis.signature import SignatureVerifier
from opendcc.estate.records import UserUpdate
from opendcc.eui import Eui64
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore
from tests.hub.harness import running_hub
from tests.reference import require_reference

SUCCESS_CODES = frozenset({"I0", "I99"})
LAST: Final = ("6.15.1", "6.15.2", "6.17", "6.21", "6.23", "8.8.1", "8.8.2", "8.5", "8.4", "8.3")
"""Variants that change who a Device trusts, what is joined to it or whether it is in
service: sent after the rest (in this order), so that the rest find the estate as seeded."""


NOT_YET_SERVED: Final = "E11"
"""What the hub answered for the DCC's own services before it served them: none is left,
and the test fails if one comes back."""

EXPECTED_REFUSALS: Final[dict[str, str]] = {
    # The DCC Boxed vectors have the ACB or a Load Controller originate these; the ACB is
    # no User, and the reference estate seeds no Load Controller User.
    "CS02fMAC_6.24.1_SUCCESS_REQUEST_DUIS.XML": "E1",
    "CS08_11.2_SUCCESS_REQUEST_DUIS.XML": "E1",
    "GCS59_8.12.2_SUCCESS_REQUEST_DUIS.XML": "E1",
    "ECS47e_7.16_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML": "E1",
    # The Other User holds no registration for the gas meter's MPRN.
    "GCS16b_4.14_URP_SUCCESS_REQUEST_DUIS.XML": "E4",
    # The reference ESME is single-phase: polyphase settings are refused.
    "ECS29b_6.5_SUCCESS_REQUEST_DUIS.XML": "E060501",
    # Request-specific checks against the estate as seeded (no HAN backup of the old CHF;
    # 6.22 gas configuration the GSME does not support; 8.4 for a Device of a type whose
    # inventory it cannot change; 12.2 pre-notifies a Device already in the inventory).
    # The 8.7 joins succeed: the estate seeds their partners (estate.rtds.JOIN_PARTNERS).
    "CCS03_8.12.1_SUCCESS_REQUEST_DUIS.XML": "E081202",
    "ECS25b_6.22_SUCCESS_REQUEST_DUIS.XML": "E062203",
    "8.4_UPDATE_INVENTORY_REQUEST_DUIS.XML": "E080405",
    "12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML": "E120201",
    # 5.3 deletes schedule 123, which this User does not hold.
    "5.3_DELETE_SCHEDULE_REQUEST_DUIS.XML": "E050301",
    # 8.13 returns the Response to RequestID ...:1000, which this run never sent (every
    # template is re-sent with a fresh counter): no outstanding local Command matches it.
    "8.13_RETURN_LOCAL_COMMAND_RESPONSE_CS06_REQUEST_DUIS.XML": "E081301",
}
"""Templates the hub refuses, and the refusal: each follows from the reference estate and the
DUIS rules, not from a fault. Any other template must be accepted (I0 or I99)."""


def _variant_in(name: str) -> str:
    for part in name.split("_")[:2]:
        if part[:1].isdigit():
            return part
    return ""


def _order(path: Path) -> tuple[int, str]:
    variant = _variant_in(path.name)
    return (LAST.index(variant) + 1 if variant in LAST else 0, path.name)


@dataclass(frozen=True, slots=True)
class Outcome:
    template: str
    variant: str
    command_variant: int
    request_id: str
    answer: str
    """The synchronous DUIS response code (the CV 5 answer for a critical request), or
    ``http <status>`` / ``unsigned`` when no usable DUIS answer came back."""
    final: str | None
    """The response code of the first asynchronous Response, if one arrived."""


def _originator(root: etree._Element) -> Eui64:
    text = root.findtext("{*}Header/{*}RequestID") or ""
    return Eui64.parse(text.split(":")[0])


def _schema() -> DuisSchema:
    schema = load_schema(require_reference("duis", "xsd"))
    assert isinstance(schema, DuisSchema), schema
    return schema


@pytest.mark.conformance
async def test_every_reference_template_is_answered_as_duis(tmp_path: Path) -> None:
    boxed = require_reference("keys", "dccboxed")
    templates = sorted(
        require_reference("duis", "templates").glob("*_REQUEST_DUIS.XML"), key=_order
    )
    assert len(templates) >= 200
    schema = _schema()
    keys = Keystore.load(boxed)
    verifier = SignatureVerifier(keys, check_validity=False)
    counter = Counter()
    outcomes: list[Outcome] = []
    unsendable: list[str] = []
    async with running_hub(tmp_path, estate="rtds", boxed_keys=boxed) as hub:
        receiver = await CallbackReceiver(verifier, schema=schema).start()
        clients: dict[Eui64, DuisClient] = {}
        try:
            for path in templates:
                root = prepare(path.read_bytes(), counter=counter.next(SystemClock().now()))
                originator = _originator(root)
                if originator not in clients:
                    if not keys.find(originator, KeyUsage.DIGITAL_SIGNING):
                        unsendable.append(path.name)
                        continue
                    try:
                        identity = UserIdentity.from_keystore(keys, originator)
                    except (KeyError, ValueError, LookupError):
                        unsendable.append(path.name)  # no XML-signing key in the set
                        continue
                    await hub.hub.estate.users.update(
                        originator, UserUpdate(callback_url=receiver.url)
                    )
                    clients[originator] = await DuisClient(
                        hub.base_url, identity, verifier
                    ).__aenter__()
                client = clients[originator]
                cv = int(root.findtext("{*}Header/{*}CommandVariant") or "0")
                if CommandVariant(cv) is CommandVariant.CRITICAL_TRANSFORM:
                    request, first, signed = await client.critical(root, None)
                    answer = signed if signed is not None else first
                else:
                    request, answer = await client.send(root)
                if answer.response is None or answer.problem is not None:
                    code = f"http {answer.status}" if answer.status != 200 else "unsigned"
                else:
                    assert schema.validate(answer.response.root) is None, path.name
                    code = answer.code or "?"
                outcomes.append(
                    Outcome(
                        path.name,
                        request.header.variant.code,
                        cv,
                        str(request.header.request_id),
                        code,
                        None,
                    )
                )
            # The asynchronous Response of each request accepted for processing (I99).
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            finished: list[Outcome] = []
            for o in outcomes:
                final = None
                if o.answer == "I99":
                    wait = max(0.1, deadline - loop.time())
                    received = await receiver.response_for(o.request_id, wait)
                    if received is not None:
                        final = received.response.header.response_code.value
                finished.append(replace(o, final=final))
            outcomes = finished
        finally:
            for client in clients.values():
                await client.__aexit__(None, None, None)
            await receiver.stop()

    report = tmp_path / "templates-report.json"
    report.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    tally = Tally(o.answer for o in outcomes)
    variants = {o.variant for o in outcomes}
    succeeded = {o.variant for o in outcomes if o.answer in SUCCESS_CODES}
    print(
        f"\n{len(outcomes)} templates sent ({len(unsendable)} without a signing key), "
        f"{len(variants)} variants; answers {dict(tally.most_common())}; "
        f"{len(succeeded)} variants succeed; report {report}"
    )
    for variant in sorted(variants - succeeded):
        codes = sorted({o.answer for o in outcomes if o.variant == variant})
        print(f"  {variant}: {', '.join(codes)}")

    # Every request got a signed, schema-valid DUIS answer: no HTTP error, nothing unsigned.
    assert not [o for o in outcomes if o.answer.startswith(("http", "unsigned"))]
    # Nothing the hub sent to a User's receiver was refused (schema, signature).
    assert receiver.rejected == []
    # Every template is accepted, or refused as expected, or is a service not yet served.
    unexpected = {
        o.template: o.answer
        for o in outcomes
        if o.answer not in SUCCESS_CODES
        and EXPECTED_REFUSALS.get(o.template) != o.answer
        and o.answer != NOT_YET_SERVED
    }
    assert unexpected == {}
    not_served = sorted({o.variant for o in outcomes if o.answer == NOT_YET_SERVED})
    assert not_served == []
    # Every request accepted for processing was answered asynchronously.
    assert not [o.template for o in outcomes if o.answer == "I99" and o.final is None]
    assert len(outcomes) + len(unsendable) == len(templates)
