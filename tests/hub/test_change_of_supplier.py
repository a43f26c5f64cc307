"""Change of supplier over real HTTP (DUIS 6.23; SEC E2 Registration Data, H3/H4).

The registration data (here set through the admin API, standing in for the Registration
Data Providers) say when the incoming Supplier takes over each MPxN; the hub's E4 check
follows them at every instant. The incoming Supplier's 6.23 is checked against the
registration in force when it is to execute; the DCC's Transitional CoS Party then
replaces the supplier credentials on the Device. From then on the old Supplier is refused
E4 and the new one is served.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from opendcc.duis.messages import SR_NS
from opendcc.eui import Eui64
from opendcc.gbcs.codec import decode
from opendcc.inventory.model import Device, DeviceType, MarketRole
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from tests.hub.harness import RunningHub, party, request, running_hub

READ = "ReadInstantaneousImportRegisters"


@pytest.fixture
async def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running_hub(tmp_path) as running:
        yield running


def _b64(der: bytes) -> str:
    return base64.b64encode(der).decode("ascii")


def _certificate(hub: RunningHub, eui: Eui64, usage: KeyUsage) -> bytes:
    entries = hub.hub.keystore.find(eui, usage, roles=[RemotePartyRole.SUPPLIER])
    assert entries and entries[0].record is not None, (eui, usage)
    return entries[0].record.certificate.public_bytes(Encoding.DER)


def cos_body(
    hub: RunningHub, new: Eui64, mpxn: str, execution: datetime | None = None
) -> etree._Element:
    """An UpdateSecurityCredentialsCoS naming ``new``'s Supplier certificates, the
    organisation CA that issued them, and the Device's import MPxN."""
    org_ca = (hub.hub.config.data_dir / "pki" / "org-ca.pem").read_bytes()
    path = x509.load_pem_x509_certificate(org_ca).public_bytes(Encoding.DER)
    when = (
        ""
        if execution is None
        else f"<sr:ExecutionDateTime>{execution.strftime('%Y-%m-%dT%H:%M:%S.00Z')}"
        "</sr:ExecutionDateTime>"
    )
    ds = _certificate(hub, new, KeyUsage.DIGITAL_SIGNING)
    ka = _certificate(hub, new, KeyUsage.KEY_AGREEMENT)
    return etree.fromstring(
        f'<sr:UpdateSecurityCredentialsCoS xmlns:sr="{SR_NS}">{when}'
        "<sr:SupplierFloorSeqNumber>0</sr:SupplierFloorSeqNumber>"
        "<sr:SupplierReplacementCertificates>"
        f"<sr:DigitalSigningCertificate>{_b64(ds)}</sr:DigitalSigningCertificate>"
        f"<sr:KeyAgreementCertificate>{_b64(ka)}</sr:KeyAgreementCertificate>"
        "</sr:SupplierReplacementCertificates>"
        f"<sr:CertificationPathCertificates><sr:Certificate>{_b64(path)}</sr:Certificate>"
        "</sr:CertificationPathCertificates>"
        "<sr:ApplyTimeBasedCPVChecks>true</sr:ApplyTimeBasedCPVChecks>"
        f"<sr:ImportMPxN>{mpxn}</sr:ImportMPxN>"
        "</sr:UpdateSecurityCredentialsCoS>"
    )


async def _send(
    hub: RunningHub,
    who: str,
    variant: str,
    body: str | etree._Element,
    target: Eui64,
    *,
    final: bool = True,
) -> str:
    """The synchronous answer's code; for I99, the final Response's code too ("I99/I0")
    unless ``final`` is False."""
    async with hub.client(who) as client:
        sent, answer = await client.send(request(variant, body, party(who), target))
    assert answer.problem is None, answer.problem
    code = answer.code or "?"
    if code != "I99" or not final:
        return code
    received = await hub.receiver.response_for(str(sent.header.request_id), timeout=15)
    assert received is not None, hub.receiver.rejected
    return f"I99/{received.response.header.response_code.value}"


async def _final_payload(
    hub: RunningHub, who: str, body: etree._Element, target: Eui64
) -> dict[str, Any]:
    async with hub.client(who) as client:
        sent, answer = await client.send(request("6.23", body, party(who), target))
    assert answer.problem is None and answer.code == "I99", (answer.code, answer.problem)
    final = await hub.receiver.response_for(str(sent.header.request_id), timeout=15)
    assert final is not None, hub.receiver.rejected
    assert final.response.header.response_code.value == "I0"
    gbcs = final.response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    decoded = decode(gbcs, hub.hub.security)
    assert decoded.signature.valid is True  # a credential update Response is signed
    values: dict[str, Any] = decoded.payload.to_json()["values"]
    return values


def _import_mpan(hub: RunningHub, esme: Device) -> str:
    fuels = hub.hub.estate.inventory.fuels_by_mpxn(esme)
    now = hub.hub.clock.now()
    held = hub.hub.estate.registrations.registrations_for(fuels, now)
    mpans = sorted(
        r.mpxn for r in held if r.role is MarketRole.SUPPLIER and r.party == party("supplier-a")
    )
    assert mpans, fuels
    return mpans[0]


async def _change_of_supplier(hub: RunningHub, mpxn: str, new: Eui64, at: datetime) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{hub.base_url}/admin/v1/registrations/{mpxn}/change-of-supplier",
            json={"party": str(new), "effective_from": at.isoformat()},
        ) as answer,
    ):
        assert answer.status == 200, await answer.text()


async def test_after_change_of_supplier_the_old_supplier_gets_e4(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    mpan = _import_mpan(hub, esme)
    old, new = party("supplier-a"), party("supplier-b")
    target = esme.device_id
    assert await _send(hub, "supplier-a", "4.1.1", READ, target) == "I99/I0"
    assert await _send(hub, "supplier-b", "4.1.1", READ, target) == "E4"
    # Not (yet) the registered Supplier: the incoming Supplier's 6.23 is refused.
    assert await _send(hub, "supplier-b", "6.23", cos_body(hub, new, mpan), target) == "E4"

    # The registration data change, effective now (every MPAN the ESME serves that the
    # old Supplier held).
    now = hub.hub.clock.now()
    fuels = hub.hub.estate.inventory.fuels_by_mpxn(esme)
    for r in hub.hub.estate.registrations.registrations_for(fuels, now):
        if r.role is MarketRole.SUPPLIER and r.party == old:
            await _change_of_supplier(hub, r.mpxn, new, now)

    values = await _final_payload(hub, "supplier-b", cos_body(hub, new, mpan), target)
    assert values["credentials_replacement_mode"] == "supplierByTransCoS"
    assert values["all_replacements_succeeded"] is True
    outcomes = values["replacement_outcomes"]
    assert {o["replacing_subject_unique_id"] for o in outcomes} == {str(new)}

    assert await _send(hub, "supplier-b", "4.1.1", READ, target) == "I99/I0"
    assert await _send(hub, "supplier-a", "4.1.1", READ, target) == "E4"


async def test_a_change_of_supplier_is_checked_at_its_execution_date(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    mpan = _import_mpan(hub, esme)
    new = party("supplier-b")
    target = esme.device_id
    start = hub.hub.clock.now().replace(microsecond=0) + timedelta(days=2)
    await _change_of_supplier(hub, mpan, new, start)
    # Until the supply start date the old Supplier is the Supplier.
    assert await _send(hub, "supplier-a", "4.1.1", READ, target) == "I99/I0"
    # The incoming Supplier may send its 6.23 ahead, to execute when it takes over (the
    # DCC holds it until then: 'DSP & Device' pattern)...
    ahead = cos_body(hub, new, mpan, start)
    assert await _send(hub, "supplier-b", "6.23", ahead, target, final=False) == "I99"
    # ...but not to execute before then.
    early = cos_body(hub, new, mpan, start - timedelta(hours=1))
    assert await _send(hub, "supplier-b", "6.23", early, target) == "E4"
    # The old Supplier is still served until the start date, and only then refused.
    assert await _send(hub, "supplier-a", "4.1.1", READ, target) == "I99/I0"
