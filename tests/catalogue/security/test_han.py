"""The HAN carried by the Devices: whitelist, joins, device logs, backups and restores.

Scripted as an installer's sequence: whitelist the HAN Device on the Communications Hub
(8.11), join it to the meter (8.7), read the logs (8.9), unjoin (8.8), remove; replace the
Communications Hub and restore its logs from the backups the DCC kept (8.12).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509

from opendcc.devices.config_state import ClockState
from opendcc.devices.han_chf import JOIN_DELAY, ChfDeviceLog
from opendcc.devices.han_device_log import DeviceLog
from opendcc.devices.simulator import Outcome
from opendcc.eui import Eui64
from opendcc.gbcs.codec import DecodedMessage
from opendcc.smki.directory import CertificateRecord
from opendcc.smki.identity import KeyUsage
from opendcc.transform.security_backups import (
    ChfDeviceLogBackup,
    GpfDeviceLogBackup,
    backup_from_alert,
)
from tests.catalogue.security.estate import Hub
from tests.catalogue.security.reference import (
    CHF_ID,
    ESME_ID,
    GPF_ID,
    GSME_ID,
    PPMID_ID,
    REFERENCE_DEVICES,
    SUPPLIER,
    request_document,
)
from tests.reference import require_reference

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
IHD_ID = Eui64.parse("00-DB-12-34-56-78-90-C1")
NEW_CHF = Eui64.parse("00-DB-12-34-56-78-90-C2")
NEW_GPF = Eui64.parse("00-DB-12-34-56-78-90-C3")


def _hub() -> Hub:
    hub = Hub()
    ihd = replace(REFERENCE_DEVICES[PPMID_ID], device_id=IHD_ID)
    from opendcc.inventory.model import DeviceType

    hub.premises.add(replace(ihd, device_type=DeviceType.IHD, parent_id=GSME_ID))
    hub.premises.add(replace(REFERENCE_DEVICES[CHF_ID], device_id=NEW_CHF))
    hub.premises.add(replace(REFERENCE_DEVICES[GPF_ID], device_id=NEW_GPF, chf_id=NEW_CHF))
    for device in (PPMID_ID, GSME_ID):
        certificate = x509.load_pem_x509_certificate(
            require_reference("gbcs", "keystore", f"{device.hex}-ka.pem").read_bytes()
        )
        hub.premises.certificates[(device, KeyUsage.KEY_AGREEMENT)] = [
            CertificateRecord.of(certificate)
        ]
    return hub


def whitelist(device: Eui64, counter: int, *, remove: bool = False, chf: Eui64 = CHF_ID) -> object:
    add = (
        ""
        if remove
        else "<sr:AddDeviceToCHFWhitelist><sr:JoinTimePeriod>90</sr:JoinTimePeriod>"
        "<sr:InstallCode>30313233343536373839414243444546</sr:InstallCode>"
        "</sr:AddDeviceToCHFWhitelist>"
    )
    body = (
        f"<sr:UpdateHANDeviceLog><sr:DeviceID>{device}</sr:DeviceID>"
        f"<sr:RequestType>{'Remove' if remove else 'Add'}</sr:RequestType>{add}"
        "</sr:UpdateHANDeviceLog>"
    )
    return request_document("8.11", SUPPLIER, chf, counter, body)


def join(target: Eui64, other: Eui64, counter: int, *, critical: bool) -> object:
    name = "JoinServiceCritical" if critical else "JoinServiceNonCritical"
    body = f"<sr:{name}><sr:OtherDeviceID>{other}</sr:OtherDeviceID></sr:{name}>"
    return request_document("8.7.1" if critical else "8.7.2", SUPPLIER, target, counter, body)


def unjoin(target: Eui64, other: Eui64, counter: int, *, critical: bool) -> object:
    name = "UnjoinServiceCritical" if critical else "UnjoinServiceNonCritical"
    body = f"<sr:{name}><sr:OtherDeviceID>{other}</sr:OtherDeviceID></sr:{name}>"
    return request_document("8.8.1" if critical else "8.8.2", SUPPLIER, target, counter, body)


def read_log(target: Eui64, counter: int, *, security: bool = False) -> object:
    inner = "<sr:ReadSecurityDetails/>" if security else ""
    return request_document(
        "8.9", SUPPLIER, target, counter, f"<sr:ReadDeviceLog>{inner}</sr:ReadDeviceLog>"
    )


def _values(hub: Hub, document: object, now: datetime = NOW) -> dict[str, object]:
    result = hub.send(document, now)
    values = hub.response(result).payload.to_json()["values"]
    assert isinstance(values, dict)
    return values


def _backups(alerts: list[DecodedMessage]) -> list[object]:
    return [backup_from_alert(alert.payload) for alert in alerts]


@pytest.mark.conformance
def test_whitelist_join_read_unjoin_and_remove() -> None:
    hub = _hub()
    # Joining a PPMID the CHF has not whitelisted fails: no key establishment is possible.
    hub.state(CHF_ID).get(ChfDeviceLog).managed = True
    assert _values(hub, join(ESME_ID, PPMID_ID, 1, critical=True))["response_code"] == (
        "noCBKEResponse"
    )

    result = hub.send(whitelist(PPMID_ID, 2), NOW)
    assert hub.response(result).payload.to_json()["values"] == {
        "CHFDeviceLog.register_device": "success",
        "CHFDeviceLog.join_timeout": "success",
        "CHFDeviceLog.enable_disable_joining": "success",
    }
    cs14 = [hub.decode(message) for _, message in result.alerts]
    assert [a.message.message_code for a in cs14] == [0x0018]
    assert cs14[0].mac.valid is True
    backup = backup_from_alert(cs14[0].payload)
    assert isinstance(backup, ChfDeviceLogBackup)
    assert [(e.device_id, e.hashed_link_key) for e in backup.devices] == [(PPMID_ID, b"")]
    # The PPMID joins the HAN; the CHF reports its link key hash.
    keyed = hub.wake(CHF_ID, NOW + JOIN_DELAY)
    [keyed_backup] = _backups(keyed)
    assert isinstance(keyed_backup, ChfDeviceLogBackup)
    assert len(keyed_backup.devices[0].hashed_link_key) == 16
    hub.premises.backups[CHF_ID] = keyed_backup

    assert _values(hub, join(ESME_ID, PPMID_ID, 3, critical=True))["response_code"] == "success"
    # The PPMID's half of the join needs the meter on the HAN as well.
    assert _values(hub, join(PPMID_ID, ESME_ID, 4, critical=False))["response_code"] == (
        "noCBKEResponse"
    )
    hub.send(whitelist(ESME_ID, 40), NOW)
    hub.wake(CHF_ID, NOW + JOIN_DELAY)
    assert _values(hub, join(PPMID_ID, ESME_ID, 41, critical=False))["response_code"] == ("success")
    log = _values(hub, read_log(ESME_ID, 42))
    assert log["device_log_entries"] == [
        {"device_id": str(PPMID_ID), "device_type": "type1PrepaymentInterfaceDevice"}
    ]
    ppmid_log = hub.state(PPMID_ID).get(DeviceLog).log_entries()
    assert [e.device_id for e in ppmid_log] == [ESME_ID]

    active = _values(hub, read_log(CHF_ID, 43))
    assert [d["mac_address"] for d in active["CHFDeviceLog"]] == [str(PPMID_ID), str(ESME_ID)]

    unjoined = _values(hub, unjoin(ESME_ID, PPMID_ID, 44, critical=True))
    assert unjoined["response_code"] == "success"
    again = _values(hub, unjoin(ESME_ID, PPMID_ID, 45, critical=True))
    assert again["response_code"] == "notInDeviceLog"
    assert _values(hub, read_log(ESME_ID, 46))["device_log_entries"] == []

    removed = hub.send(whitelist(PPMID_ID, 47, remove=True), NOW)
    [after] = _backups([hub.decode(m) for _, m in removed.alerts])
    assert isinstance(after, ChfDeviceLogBackup)
    assert [e.device_id for e in after.devices] == [ESME_ID]
    security = _values(hub, read_log(CHF_ID, 48, security=True))
    historic = security["CHFDeviceLogSecondary.backup_pan"]
    assert [d["mac_address"] for d in historic["devices"]] == [str(PPMID_ID)]
    assert (
        historic["devices"][0]["hashed_tc_link_key"]
        == keyed_backup.devices[0].hashed_link_key.hex()
    )
    # Removing a Device the CHF does not list fails.
    missing = hub.response(hub.send(whitelist(PPMID_ID, 49, remove=True), NOW))
    assert missing.payload.to_json()["values"]["CHFDeviceLog.unregister_device"]["error"] == (
        "object-unavailable"
    )


@pytest.mark.conformance
def test_gas_joins_mirror_into_the_gpf_which_backs_up_and_restores() -> None:
    hub = _hub()
    assert _values(hub, join(GSME_ID, IHD_ID, 1, critical=False))["response_code"] == "success"
    assert _values(hub, join(GSME_ID, PPMID_ID, 2, critical=True))["response_code"] == "success"
    # The GSME's own GPF joins it by method B (and is not in its own log).
    assert _values(hub, join(GSME_ID, GPF_ID, 3, critical=False))["response_code"] == "success"
    gpf = hub.state(GPF_ID)
    assert gpf.next_wake is not None
    alerts = hub.wake(GPF_ID, gpf.next_wake)
    assert [a.message.message_code for a in alerts] == [0x00B2]
    backup = backup_from_alert(alerts[0].payload)
    assert isinstance(backup, GpfDeviceLogBackup)
    assert [e.device_id for e in backup.entries] == [IHD_ID, PPMID_ID]

    # The DCC keeps the backup; a replacement GPF gets it back (8.12.2, GCS59).
    hub.premises.backups[GPF_ID] = backup
    body = f"<sr:RestoreGPFDeviceLog><sr:OldGPFID>{GPF_ID}</sr:OldGPFID></sr:RestoreGPFDeviceLog>"
    restored = _values(hub, request_document("8.12.2", SUPPLIER, NEW_GPF, 4, body))
    assert [o["join_response_code"] for o in restored["restore_outcomes"]] == ["success"] * 2
    assert [e.device_id for e in hub.state(NEW_GPF).get(DeviceLog).log_entries()] == [
        IHD_ID,
        PPMID_ID,
    ]

    # Unjoining on the GSME unjoins on its GPF too.
    assert _values(hub, unjoin(GSME_ID, IHD_ID, 5, critical=False))["response_code"] == "success"
    assert [e.device_id for e in hub.state(GPF_ID).get(DeviceLog).log_entries()] == [PPMID_ID]


@pytest.mark.conformance
def test_join_errors_follow_the_device_state() -> None:
    hub = _hub()
    assert _values(hub, join(ESME_ID, PPMID_ID, 1, critical=True))["response_code"] == "success"
    # Same Device, other type: incompatible with the existing entry.
    hub.premises.add(replace(hub.premises.devices[PPMID_ID], device_type=_hcalcs()))
    assert _values(hub, join(ESME_ID, PPMID_ID, 2, critical=True))["response_code"] == (
        "incompatibleWithExistingEntry"
    )
    # A full log.
    log = hub.state(ESME_ID).get(DeviceLog)
    for n in range(20):
        log.add(Eui64(0x1000 + n), 6, 2, NOW)
    other = Eui64.parse("00-DB-12-34-56-78-90-C9")
    hub.premises.add(replace(hub.premises.devices[PPMID_ID], device_id=other))
    assert _values(hub, join(ESME_ID, other, 3, critical=True))["response_code"] == (
        "deviceLogFull"
    )
    # Method C without a certificate the SMKI knows: the DCC refuses to send it.
    from opendcc.transform.registry import TransformRefusal, transform

    hub.premises.certificates.clear()
    request = hub.request(join(GSME_ID, PPMID_ID, 4, critical=True), NOW)
    refused = transform(request)
    assert isinstance(refused, TransformRefusal) and refused.code == "E080702"


def _hcalcs() -> object:
    from opendcc.inventory.model import DeviceType

    return DeviceType.HCALCS


@pytest.mark.conformance
def test_chf_restored_from_the_backup_the_dcc_kept() -> None:
    hub = _hub()
    result = hub.send(whitelist(PPMID_ID, 1), NOW)
    hub.wake(CHF_ID, NOW + JOIN_DELAY)
    keyed = hub.state(CHF_ID).get(ChfDeviceLog)
    hub.premises.backups[CHF_ID] = ChfDeviceLogBackup(
        bytes.fromhex(keyed.extended_pan_id),
        tuple(
            backup_from_alert(hub.decode(result.alerts[0][1]).payload).devices  # type: ignore[union-attr]
        ),
    )
    body = f"<sr:RestoreHANDeviceLog><sr:OldCHFID>{CHF_ID}</sr:OldCHFID></sr:RestoreHANDeviceLog>"
    restore = hub.send(request_document("8.12.1", SUPPLIER, NEW_CHF, 2, body), NOW)
    assert hub.response(restore).payload.to_json()["values"] == {
        "CHFDeviceLog.restore_pan": "success"
    }
    new = hub.state(NEW_CHF).get(ChfDeviceLog)
    assert new.extended_pan_id == keyed.extended_pan_id
    assert [d["device"] for d in new.devices] == [PPMID_ID.hex]
    assert len(restore.alerts) == 1


@pytest.mark.conformance
def test_commissioning_sets_the_clock_within_the_tolerance() -> None:
    hub = _hub()

    def commission(target: Eui64, counter: int, current: datetime, tolerance: int) -> object:
        body = (
            "<sr:CommissionDeviceSynchroniseClock>"
            f"<sr:CurrentDateTime>{current.strftime('%Y-%m-%dT%H:%M:%S')}.00Z</sr:CurrentDateTime>"
            f"<sr:TolerancePeriod>{tolerance}</sr:TolerancePeriod>"
            "</sr:CommissionDeviceSynchroniseClock>"
        )
        return request_document("8.1.1", SUPPLIER, target, counter, body)

    late = _values(hub, commission(ESME_ID, 1, NOW - timedelta(hours=1), 60))
    assert late["Clock.adjust_to_preset_time"] == {"error": "other-reason", "code": 250}
    # Break on error: the reads after the failed adjustment are not done (as the reference
    # ECS70 error Response shows); the clock status records the failure.
    assert late["ClockStatus"] == {"error": "other-reason", "code": 250}
    assert hub.state(ESME_ID).get(ClockState).status == 1
    assert hub.state(ESME_ID).get(ClockState).commissioned_at is None
    ok = _values(hub, commission(ESME_ID, 2, NOW - timedelta(seconds=30), 60))
    assert ok["ClockStatus"] == 0 and ok["Clock"] == NOW.isoformat()
    assert hub.state(ESME_ID).get(ClockState).commissioned_at == NOW
    gas = _values(hub, commission(GSME_ID, 3, NOW - timedelta(minutes=5), 3600))
    assert gas["device_time_status"] == "reliable"
    assert gas["device_time"] == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    refused = _values(hub, commission(GSME_ID, 4, NOW + timedelta(hours=2), 3600))
    assert refused["device_time_status"] == "unreliable"


@pytest.mark.conformance
def test_a_garbled_han_command_is_discarded_not_a_crash() -> None:
    hub = _hub()
    request = hub.request(join(ESME_ID, PPMID_ID, 1, critical=True), NOW)
    from opendcc.gbcs import build
    from opendcc.transform.registry import CommandSpec, transform

    spec = transform(request)
    assert isinstance(spec, CommandSpec)
    garbled = CommandSpec(spec.use_case, spec.message_code, spec.recipient, b"\x30\x03\x02\x01")
    data = hub.command(garbled, request)
    result = hub.deliver(data, ESME_ID, NOW)
    assert result.outcome is Outcome.DISCARDED
    assert build is not None
