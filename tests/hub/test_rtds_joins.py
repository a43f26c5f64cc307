"""The reference join templates (DUIS 8.7.1, 8.7.2) end to end against the rtds estate.

Each template names its partner as ``OtherDeviceID``; the reference estate seeds those
partners (``estate.rtds.JOIN_PARTNERS``), so the hub transforms the join (GBCS 13.7:
CS03A1, CS03A2, CS03C), the simulated Device runs it and answers with a Join Device
Response the User receives, signed, asynchronously. For the method C joins the Command
carries the partner's Key Agreement certificate as the hub's SMKI repository holds it
(DUIS 8.7 names only the other Device; the DCC fills in its credentials), whatever the
reference vector carried.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from opendcc.client.identity import UserIdentity
from opendcc.client.receiver import CallbackReceiver
from opendcc.client.requests import Counter, prepare
from opendcc.client.session import DuisClient
from opendcc.clock import SystemClock
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.signature import SignatureVerifier
from opendcc.estate import rtds
from opendcc.estate.records import UserUpdate
from opendcc.eui import Eui64
from opendcc.gbcs.codec import decode
from opendcc.gbcs.der import DerPayload, JoinDeviceResponse, JoinResponseCode
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore
from opendcc.store.inventory import SqliteInventory
from tests.hub.harness import running_hub
from tests.reference import require_reference

JOINS: Final = {
    "CS03A1_8.7.1_SUCCESS_REQUEST_DUIS.XML": rtds.PARTNER_HCALCS,
    "CS03A2Critical_8.7.1_SUCCESS_REQUEST_DUIS.XML": rtds.PARTNER_ESME,
    "CS03CCritical_8.7.1_SUCCESS_REQUEST_DUIS.XML": rtds.PARTNER_PPMID,
    "CS03CNonCritical_8.7.2_SUCCESS_REQUEST_DUIS.XML": rtds.PARTNER_GSME,
}
METHOD_C: Final = frozenset({rtds.PARTNER_PPMID, rtds.PARTNER_GSME})
ASSOCIATION: Final = {
    # template: (the HAN device, the meter the inventory records it joined to)
    "CS03A1_8.7.1_SUCCESS_REQUEST_DUIS.XML": (rtds.PARTNER_HCALCS, rtds.ESME),
    "CS03A2Critical_8.7.1_SUCCESS_REQUEST_DUIS.XML": (rtds.HCALCS, rtds.PARTNER_ESME),
    "CS03CCritical_8.7.1_SUCCESS_REQUEST_DUIS.XML": (rtds.PARTNER_PPMID, rtds.GSME),
    "CS03CNonCritical_8.7.2_SUCCESS_REQUEST_DUIS.XML": (rtds.PPMID, rtds.PARTNER_GSME),
}
"""What each successful join adds to the Smart Metering Inventory (``hub.joins``)."""


def _vector_certificate(name: str, partner: Eui64) -> bytes:
    """The partner certificate the reference GBCS vector of a CS03C template carries: after
    the other Device's EUI (OCTET STRING) and device type (INTEGER) of the Join Device
    Command (GBCS 13.7.5)."""
    stem = name.removesuffix("_SUCCESS_REQUEST_DUIS.XML")
    use_case, variant = stem.split("_")
    folder = require_reference("gbcs", "rtds", f"{variant}_{use_case}")
    command = bytes.fromhex(next(folder.glob("*_SUCCESS_COMMAND_GBCS.HEX")).read_text().strip())
    start = command.index(b"\x04\x08" + bytes(partner)) + 13
    assert command[start : start + 2] == b"\x30\x82"
    length = int.from_bytes(command[start + 2 : start + 4], "big")
    return command[start : start + 4 + length]


@pytest.mark.conformance
async def test_reference_joins_reach_their_partners_and_succeed(tmp_path: Path) -> None:
    boxed = require_reference("keys", "dccboxed")
    templates = require_reference("duis", "templates")
    keys = Keystore.load(boxed)
    verifier = SignatureVerifier(keys, check_validity=False)
    counter = Counter()
    async with running_hub(tmp_path, estate="rtds", boxed_keys=boxed) as hub:
        receiver = await CallbackReceiver(verifier).start()
        await hub.hub.estate.users.update(rtds.SUPPLIER, UserUpdate(callback_url=receiver.url))
        identity = UserIdentity.from_keystore(keys, rtds.SUPPLIER)
        smki = hub.hub.device_directory
        inventory = hub.hub.estate.inventory
        han_devices = {han for han, _ in ASSOCIATION.values()}
        before = {han: _joined(inventory, han) for han in han_devices}
        for han, meter in ASSOCIATION.values():
            assert meter not in before[han]
        try:
            async with DuisClient(hub.base_url, identity, verifier) as client:
                for name, partner in JOINS.items():
                    root = prepare(
                        (templates / name).read_bytes(), counter=counter.next(SystemClock().now())
                    )
                    cv = int(root.findtext("{*}Header/{*}CommandVariant") or "0")
                    if CommandVariant(cv) is CommandVariant.CRITICAL_TRANSFORM:
                        request, first, answer = await client.critical(root, None)
                        assert answer is not None, (name, first.code, first.body[:300])
                        pre_command = first.response.gbcs_payload() if first.response else None
                        assert isinstance(pre_command, bytes)
                    else:
                        request, answer = await client.send(root)
                        pre_command = None
                    assert answer.code == "I99", (name, answer.code, answer.body[:300])
                    final = await receiver.response_for(str(request.header.request_id), 20)
                    assert final is not None, (name, receiver.rejected)
                    assert final.response.header.response_code.value == "I0", name
                    gbcs = final.response.gbcs_payload()
                    assert isinstance(gbcs, bytes)
                    decoded = decode(gbcs, hub.hub.security)
                    # Signed (a critical join's Response) or MACed, and checked with the
                    # Device's keys.
                    checks = (decoded.mac.valid, decoded.signature.valid)
                    assert True in checks and False not in checks, (name, checks)
                    payload = decoded.payload
                    assert isinstance(payload, DerPayload)
                    assert isinstance(payload.body, JoinDeviceResponse), (name, payload)
                    assert payload.body.response_code == JoinResponseCode.SUCCESS, name
                    han, meter = ASSOCIATION[name]
                    assert meter in _joined(inventory, han), name  # recorded with the Response

                    if partner in METHOD_C and pre_command is not None:
                        # The certificate in the Command is the SMKI's, not the vector's.
                        held = smki.for_eui(partner, KeyUsage.KEY_AGREEMENT)
                        assert held
                        der = held[0].certificate.public_bytes(Encoding.DER)
                        assert der in pre_command
                        vector = _vector_certificate(name, partner)
                        assert vector not in pre_command
        finally:
            await receiver.stop()


def _joined(inventory: SqliteInventory, device: Eui64) -> tuple[Eui64, ...]:
    details = inventory.device_details(device)
    assert details is not None
    return tuple(details.joined_meters)
