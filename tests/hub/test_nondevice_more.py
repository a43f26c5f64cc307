"""8.6, 8.13, 8.14.2-4, 11.1 and 11.4 over real HTTP: signed, schema-valid answers, the
refusal paths, and the inventory changes as 8.2 Read Inventory shows them afterwards."""

from __future__ import annotations

import base64
import hashlib
import struct
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from lxml import etree

from opendcc.client.identity import UserIdentity
from opendcc.client.session import DuisClient, SyncAnswer
from opendcc.devices.security_firmware import Firmware
from opendcc.duis import build
from opendcc.duis.messages import parse_response
from opendcc.duis.schema import DuisSchema
from opendcc.estate.records import DeviceFilter
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.codec import decode
from opendcc.gbcs.der import ActivateFirmwareResponse, ActivateImageResponseCode
from opendcc.gbcs.der.tlv import Reader
from opendcc.gbcs.frame import decode_message
from opendcc.hub.firmware_distribution import distribution
from opendcc.inventory.model import Device, DeviceType, SmiStatus
from opendcc.inventory.transitions import InventoryEvent
from opendcc.store.events import EventKind, events_for_request
from tests.hub.bodies import (
    chf_fault_return,
    chf_install_no_wan,
    chf_no_fault_return,
    pre_notification,
)
from tests.hub.harness import (
    RunningHub,
    commissioned_hub,
    non_device,
    party,
    request,
    retarget,
    running_hub,
    supplier_of,
)
from tests.reference import require_reference

SUPPLIER = "supplier-a"


@pytest.fixture
async def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running_hub(tmp_path, premises=12) as running:
        yield running


async def _send(
    hub: RunningHub, schema: DuisSchema, variant: str, body: etree._Element, who: str = SUPPLIER
) -> SyncAnswer:
    """A non-device request (CV 8) from ``who``; its answer must be signed and schema-valid."""
    return await non_device(hub, variant, body, who, schema)


async def _inventory_status(hub: RunningHub, schema: DuisSchema, device: Eui64) -> str | None:
    """The DeviceStatus 8.2 Read Inventory reports for ``device``."""
    body = build.sr("ReadInventory", children=[build.sr("DeviceID", str(device))])
    answer = await _send(hub, schema, "8.2", body)
    assert answer.code == "I0"
    content = answer.response.content if answer.response else None
    assert content is not None
    return content.findtext("{*}Device/{*}DeviceStatus")


# --- 8.14.2, 8.14.3, 8.14.4 ----------------------------------------------------------------------


async def test_hub_returns_move_both_functions_and_warn_of_devices_behind(
    hub: RunningHub, schema: DuisSchema
) -> None:
    chf, gpf, _ = commissioned_hub(hub)
    esme = hub.hub.estate.inventory.list_devices(
        DeviceFilter(chf_id=chf.device_id, device_type=DeviceType.ESME)
    ).items[0]

    # Refusals first: not a CHF, unknown, a pre-installation fault on an installed hub,
    # another Device named as the hub's GPF.
    assert (
        await _send(hub, schema, "8.14.4", chf_no_fault_return(esme.device.device_id))
    ).code == ("E081401")
    unknown = Eui64.parse("00-00-00-00-00-00-0F-01")
    assert (await _send(hub, schema, "8.14.4", chf_no_fault_return(unknown))).code == "E19"
    early = chf_fault_return(chf.device_id, gpf.device_id, "Fault identified prior to installation")
    assert (await _send(hub, schema, "8.14.3", early)).code == "E5"
    post_kind = "Fault identified post installation"
    wrong = chf_fault_return(chf.device_id, esme.device.device_id, post_kind)
    assert (await _send(hub, schema, "8.14.3", wrong)).code == "E081402"
    assert await _inventory_status(hub, schema, chf.device_id) == "Commissioned"
    # Another Supplier, not registered for the meters behind the hub, cannot return it.
    post = chf_fault_return(chf.device_id, gpf.device_id, post_kind)
    assert supplier_of(hub, esme.device) == SUPPLIER
    assert (await _send(hub, schema, "8.14.3", post, "supplier-b")).code == "E4"

    # A faulty installed hub returned: both Functions out of service; the meters behind it
    # keep their status, so the answer warns (W081401).
    answer = await _send(hub, schema, "8.14.3", post)
    assert answer.code == "W081401"
    assert await _inventory_status(hub, schema, chf.device_id) == "Decommissioned"
    assert await _inventory_status(hub, schema, gpf.device_id) == "Decommissioned"
    assert await _inventory_status(hub, schema, esme.device.device_id) == "Commissioned"
    # A hub returned cannot be returned again.
    assert (await _send(hub, schema, "8.14.4", chf_no_fault_return(chf.device_id))).code == "E5"


async def test_install_without_sm_wan_then_achf_no_fault_return(
    hub: RunningHub, schema: DuisSchema
) -> None:
    chf = Eui64.parse("00-00-00-00-00-AB-00-01")
    assert (await _send(hub, schema, "12.2", pre_notification(chf, DeviceType.CHF))).code == "I0"
    assert await _inventory_status(hub, schema, chf) == "Pending"

    answer = await _send(hub, schema, "8.14.2", chf_install_no_wan(chf))
    assert answer.code == "I0"
    assert await _inventory_status(hub, schema, chf) == "InstalledNotCommissioned"
    # Sent again: already installed, answered I0 without a change.
    assert (await _send(hub, schema, "8.14.2", chf_install_no_wan(chf))).code == "I0"
    history = hub.hub.estate.inventory.status_history(chf)
    assert [h.new for h in history] == [SmiStatus.PENDING, SmiStatus.INSTALLED_NOT_COMMISSIONED]

    # Nothing joined to it: the no-fault return is a plain I0.
    answer = await _send(
        hub, schema, "8.14.4", chf_no_fault_return(chf, "No Fault Return (general)")
    )
    assert answer.code == "I0"
    assert await _inventory_status(hub, schema, chf) == "Decommissioned"
    # 8.14.2 on a returned hub: its status does not permit an installation.
    assert (await _send(hub, schema, "8.14.2", chf_install_no_wan(chf))).code == "E5"


# --- 11.1 and 11.4 --------------------------------------------------------------------------


def ota_image(payload: bytes, image_type: int = 0x0000) -> bytes:
    """A ZigBee OTA Upgrade file (the GBCS firmware image form) around ``payload``."""
    text = b"opendcc test firmware image".ljust(32, b" ")
    size = 56 + len(payload)
    header = struct.pack("<IHHHHHIH", 0x0BEEF11E, 0x0100, 56, 0, 0x1234, image_type, 7, 2)
    return header + text + struct.pack("<I", size) + payload


def _update_firmware(image: bytes, version: str, devices: list[Eui64]) -> etree._Element:
    return build.sr(
        "UpdateFirmware",
        children=[
            build.sr("FirmwareImage", base64.b64encode(image).decode()),
            build.sr("FirmwareVersion", version),
            build.sr("DeviceIDList", ",".join(str(d) for d in devices)),
        ],
    )


async def test_update_firmware_sends_the_image_and_warns_per_device(
    hub: RunningHub, schema: DuisSchema
) -> None:
    inventory = hub.hub.estate.inventory
    esme = hub.device_of(DeviceType.ESME)
    others = [
        d.device
        for d in inventory.list_devices(
            DeviceFilter(device_type=DeviceType.ESME, status=SmiStatus.COMMISSIONED)
        ).items
        if d.device.device_id != esme.device_id
        and (d.device.manufacturer, d.device.model) == (esme.manufacturer, esme.model)
    ]
    # A Withdrawn Device is not sent firmware (a Suspended one is: test_suspended.py).
    withdrawn = next(d for d in others if supplier_of(hub, d) == SUPPLIER)
    await inventory.change_status(
        withdrawn.device_id, InventoryEvent.WITHDRAW, hub.hub.clock.now(), "test"
    )
    foreign = hub.device_of(DeviceType.ESME, supplier="supplier-b")
    gsme = hub.device_of(DeviceType.GSME)
    unknown = Eui64.parse("00-00-00-00-00-00-0F-02")
    image = ota_image(b"new ESME firmware " * 20)
    listed = [esme.device_id, unknown, foreign.device_id, withdrawn.device_id, gsme.device_id]

    answer = await _send(hub, schema, "11.1", _update_firmware(image, "0102ABCD", listed))
    assert answer.code == "W110101"
    content = answer.response.content if answer.response else None
    assert content is not None and etree.QName(content).localname == "DSPUpdateFirmwareWarning"
    lists = {etree.QName(e).localname: e.text for e in content}
    assert lists["InvalidDeviceIDList"] == f"{unknown},{foreign.device_id}"
    assert lists["NotCommissionedDeviceIDList"] == str(withdrawn.device_id)
    # The GSME is a Device of another model: one image is for one Device Model.
    assert lists["NotApplicableFirmwareDeviceIDList"] == str(gsme.device_id)

    # The ESME holds the image for 11.3; the others do not.
    digest = hashlib.sha256(image).hexdigest()
    held = hub.hub.states.load(inventory.get_device(esme.device_id)).get(Firmware)  # type: ignore[arg-type]
    assert (held.image_hash, held.image_version) == (digest, "0102ABCD")
    other = hub.hub.states.load(withdrawn).get(Firmware)
    assert other.image_hash == ""
    stored = distribution(hub.hub.db.reader(), str(_last_request(hub, "11.1")))  # type: ignore[union-attr]
    assert stored is not None
    assert stored["delivered"] == [str(esme.device_id)] and stored["image_hash"] == digest
    assert stored["image_size"] == len(image)

    # 11.3 Activate Firmware with the image's hash: the ESME now runs the new version.
    body = build.sr("ActivateFirmware", children=[build.sr("FirmwareHash", digest.upper())])
    async with hub.client(SUPPLIER) as client:
        sent, _, signed = await client.critical(
            request("11.3", body, party(SUPPLIER), esme.device_id, cv=4), None
        )
    assert signed is not None and signed.code == "I99"
    final = await hub.receiver.response_for(str(sent.header.request_id), timeout=10)
    assert final is not None and final.response.header.response_code.value == "I0"
    gbcs = final.response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    outcome = ActivateFirmwareResponse.read(Reader(decode_message(gbcs).payload))
    assert outcome.execution_outcome is not None
    assert outcome.execution_outcome.activate_image_response_code == (
        ActivateImageResponseCode.SUCCESS
    )
    assert outcome.execution_outcome.firmware_version == bytes.fromhex("0102ABCD")


async def test_update_firmware_refusals(hub: RunningHub, schema: DuisSchema) -> None:
    esme = hub.device_of(DeviceType.ESME)
    image = ota_image(b"x" * 100)
    not_ota = b"\x00" * 200
    truncated = image[:-1]
    for bad in (not_ota, truncated):
        answer = await _send(hub, schema, "11.1", _update_firmware(bad, "01", [esme.device_id]))
        assert answer.code == "E110101"
    answer = await _send(hub, schema, "11.1", _update_firmware(image, "XYZ", [esme.device_id]))
    assert answer.code == "E110102"
    # No listed Device can take it: E110103, with the reasons.
    ppmid = Eui64.parse("00-00-00-00-00-00-0F-03")
    answer = await _send(hub, schema, "11.1", _update_firmware(image, "01", [ppmid]))
    assert answer.code == "E110103"
    content = answer.response.content if answer.response else None
    assert content is not None and content[0].text == str(ppmid)
    # 11.4 serves PPMIDs and HCALCS only: an ESME is not applicable.
    body = _update_firmware(image, "01", [esme.device_id])
    body.tag = body.tag.replace("UpdateFirmware", "UpdatePPMIDFirmware")
    answer = await _send(hub, schema, "11.4", body)
    assert answer.code == "E110403"
    content = answer.response.content if answer.response else None
    assert content is not None
    assert etree.QName(content[0]).localname == "NotApplicableFirmwareDeviceIDList"
    # Not open to Network Operators (E2, from the pipeline's matrix check).
    async with hub.client("electricity-distributor") as client:
        _, refused = await client.send(
            request(
                "11.1",
                _update_firmware(image, "01", [esme.device_id]),
                party("electricity-distributor"),
                DCC_ACCESS_CONTROL_BROKER,
                cv=8,
            )
        )
    assert refused.code == "E2"


def _last_request(hub: RunningHub, variant: str) -> str:
    row = (
        hub.hub.db.reader()  # type: ignore[union-attr]
        .execute(
            "SELECT request_id FROM requests WHERE variant = ? ORDER BY id DESC LIMIT 1",
            (variant,),
        )
        .fetchone()
    )
    return str(row[0])


# --- 8.13 ------------------------------------------------------------------------------------


async def _local_command(hub: RunningHub, device: Device) -> tuple[str, bytes, bytes]:
    """Send 11.2 for local delivery (CV 2); run the Command on the Device as the User's
    installer would; the RequestID, the Command and the Device's Response."""
    async with hub.client(SUPPLIER) as client:
        sent, answer = await client.send(
            request("11.2", "ReadFirmwareVersion", party(SUPPLIER), device.device_id, cv=2)
        )
    assert answer.code == "I0", answer.problem
    assert answer.response is not None
    command = answer.response.gbcs_payload()
    assert isinstance(command, bytes)
    state = hub.hub.states.load(device)
    result = hub.hub.processor.simulator.process(command, state, hub.hub.clock.now())
    assert result.response is not None, result.reason
    return str(sent.header.request_id), command, result.response


def _return_local(response: bytes, original: str | None) -> etree._Element:
    children = [] if original is None else [build.sr("OriginalRequestID", original)]
    children.append(build.sr("DeviceGBCSResponse", base64.b64encode(response).decode()))
    return build.sr("ReturnLocalCommandResponse", children=children)


async def test_return_local_command_response(hub: RunningHub, schema: DuisSchema) -> None:
    esme = hub.device_of(DeviceType.ESME)
    original, _, response = await _local_command(hub, esme)

    # Another User cannot return it; a RequestID nobody sent is unknown.
    other = await _send(hub, schema, "8.13", _return_local(response, original), "supplier-b")
    assert other.code == "E081301"
    unknown = original.rsplit(":", 1)[0] + ":1"
    assert (await _send(hub, schema, "8.13", _return_local(response, unknown))).code == "E081301"
    # A damaged MAC, or bytes that are no GBCS message.
    damaged = response[:-1] + bytes([response[-1] ^ 0x01])
    assert (await _send(hub, schema, "8.13", _return_local(damaged, original))).code == "E081302"
    assert (await _send(hub, schema, "8.13", _return_local(b"\x01\x02", original))).code == (
        "E081302"
    )

    answer = await _send(hub, schema, "8.13", _return_local(response, original))
    assert answer.code == "I0"
    assert answer.response is not None and answer.response.gbcs_payload() == response
    decoded = decode(response, hub.hub.security)
    assert decoded.mac.valid is True
    events = [
        e.event
        for e in events_for_request(hub.hub.db.reader(), original)  # type: ignore[union-attr]
    ]
    returned = [e for e in events if e.kind is EventKind.DEVICE_RESPONDED]
    assert returned and returned[-1].detail["local"] is True
    assert returned[-1].detail["mac"] == "valid"
    assert events[-1].kind is EventKind.COMPLETED

    # Returned twice: a replay.
    assert (await _send(hub, schema, "8.13", _return_local(response, original))).code == "E081303"

    # Without OriginalRequestID the Response's own header finds the request.
    second, _, response2 = await _local_command(hub, esme)
    assert (await _send(hub, schema, "8.13", _return_local(response2, None))).code == "I0"
    # ... and the Response of one Command does not complete another.
    third, _, _ = await _local_command(hub, esme)
    assert (await _send(hub, schema, "8.13", _return_local(response2, third))).code == "E081302"
    assert second != third


# --- 8.6 -------------------------------------------------------------------------------------


def _opt_in(device: Device, mpxn: str, when: str) -> etree._Element:
    return build.sr(
        "ServiceOptIn",
        children=[
            build.sr("DeviceID", str(device.device_id)),
            build.sr("DeviceType", device.device_type.value),
            build.sr("MPxNs", children=[build.sr("ImportMPxN", mpxn)]),
            build.sr("OptInDate", when),
        ],
    )


async def test_service_opt_in_is_the_dccs_and_brings_a_withdrawn_meter_back(
    hub: RunningHub, schema: DuisSchema
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    assert esme.mpxn is not None
    today = hub.hub.clock.now().date()
    # A User cannot send it: DUIS opens 8.6 to the DCC only.
    answer = await _send(hub, schema, "8.6", _opt_in(esme, esme.mpxn, today.isoformat()))
    assert answer.code == "E2"

    # The DCC runs it (admin API): a meter that is not withdrawn cannot be opted in.
    url = f"{hub.base_url}/admin/v1/opt-in"
    async with aiohttp.ClientSession() as session:
        payload = {"device_id": str(esme.device_id), "import_mpxn": esme.mpxn}
        async with session.post(url, json=payload) as reply:
            assert reply.status == 200
            refused = await reply.json()
        assert refused["response_code"] == "E5"

        await hub.hub.estate.inventory.change_status(
            esme.device_id, InventoryEvent.WITHDRAW, hub.hub.clock.now(), "8.5 (test)"
        )
        tomorrow = (today + timedelta(days=1)).isoformat()
        async with session.post(url, json={**payload, "opt_in_date": tomorrow}) as reply:
            assert (await reply.json())["response_code"] == "E080607"
        async with session.post(url, json=payload) as reply:
            assert reply.status == 200
            done = await reply.json()
    assert done["response_code"] == "I0", done
    answer_xml = base64.b64decode(done["response"])
    parsed = parse_response(answer_xml)
    assert not isinstance(parsed, Exception) and hasattr(parsed, "root")
    assert schema.validate(parsed.root) is None  # type: ignore[union-attr]
    content = parsed.content  # type: ignore[union-attr]
    assert content is not None and etree.QName(content).localname == "DSPOptIn"
    certificate = content.findtext("{*}DSPBrokerSecurityCredentialsKeyAgreement")
    assert certificate
    assert await _inventory_status(hub, schema, esme.device_id) == "Commissioned"


# --- the reference templates (DCC Boxed mode) -------------------------------------------------


async def test_reference_firmware_templates_reach_the_devices(
    tmp_path: Path, schema: DuisSchema
) -> None:
    boxed = require_reference("keys", "dccboxed")
    templates = require_reference("duis", "templates")
    supplier = Eui64.parse("90-B3-D5-1F-30-01-00-00")
    async with running_hub(tmp_path, estate="rtds", boxed_keys=boxed) as hub:
        inventory = hub.hub.estate.inventory
        client = DuisClient(
            hub.base_url, UserIdentity.from_keystore(hub.hub.keystore, supplier), hub.verifier
        )
        async with client:
            for name, target in (
                ("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML", "00-DB-12-34-56-78-90-A0"),
                ("11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML", "00-DB-12-34-56-78-90-A4"),
            ):
                root = retarget(templates / name, supplier, DCC_ACCESS_CONTROL_BROKER)
                image = base64.b64decode(root.findtext(".//{*}FirmwareImage") or "")
                _, answer = await client.send(root)
                assert answer.code == "I0", (name, answer.problem)
                assert answer.response is not None
                assert schema.validate(answer.response.root) is None
                device = inventory.get_device(Eui64.parse(target))
                assert device is not None
                held = hub.hub.states.load(device).get(Firmware)
                assert held.image_hash == hashlib.sha256(image).hexdigest()
            # The PPMID's image went through its Communications Hub, which will report the
            # transfer (CCS08) when it next wakes.
            chf = inventory.get_device(Eui64.parse("00-DB-12-34-56-78-90-A2"))
            assert chf is not None
            transfers = hub.hub.states.load(chf).get(Firmware).transfers
            if not transfers:  # already woken: the Alert is in the event log
                await hub.hub.processor.run_due()
                alerts = (
                    hub.hub.db.reader()  # type: ignore[union-attr]
                    .execute(
                        "SELECT count(*) FROM events WHERE kind = 'device_alert'"
                        " AND originator = ? AND code = '8F8A'",
                        (str(chf.device_id),),
                    )
                    .fetchone()[0]
                )
                assert alerts == 1
            else:
                assert [t["device"] for t in transfers] == ["00db1234567890a4"]


async def test_distributions_and_returned_responses_survive_a_restart(
    tmp_path: Path, schema: DuisSchema
) -> None:
    image = ota_image(b"firmware kept across a restart " * 8)
    async with running_hub(tmp_path, premises=12) as hub:
        esme = hub.device_of(DeviceType.ESME)
        body = _update_firmware(image, "0A0B0C0D", [esme.device_id])
        assert (await _send(hub, schema, "11.1", body)).code == "I0"
        original, _, response = await _local_command(hub, esme)
        assert (await _send(hub, schema, "8.13", _return_local(response, original))).code == "I0"
    async with running_hub(tmp_path, premises=12) as hub:
        device = hub.hub.estate.inventory.get_device(esme.device_id)
        assert device is not None
        held = hub.hub.states.load(device).get(Firmware)
        assert (held.image_hash, held.image_version) == (
            hashlib.sha256(image).hexdigest(),
            "0A0B0C0D",
        )
        stored = distribution(hub.hub.db.reader(), _last_request(hub, "11.1"))  # type: ignore[union-attr]
        assert stored is not None and stored["delivered"] == [str(esme.device_id)]
        again = await _send(hub, schema, "8.13", _return_local(response, original))
        assert again.code == "E081303"
