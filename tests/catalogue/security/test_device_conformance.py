"""Simulated Devices answer the reference Commands as the reference Devices do.

Each reference Command of the family (or, where only its Pre-Command is published, the
Pre-Command signed with the User's reference key) is delivered to a simulated Device in
the state the case needs; its Response must have the reference Response's form (message
code, CRA, protection, payload type and layout: ``shapes``), and where the case is about
a state-driven outcome, the same outcome. Future-dated Commands are then executed by
waking the Device, and its Alert compared with the reference Alert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from opendcc.devices import config_api, han_chf, han_device_log, security_common
from opendcc.devices.security_device_credentials import DeviceCredentials
from opendcc.devices.security_firmware import receive_firmware_image
from opendcc.devices.simulator import Outcome
from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.der import DeviceType as HanType
from opendcc.gbcs.der import JoinMethodAndRole
from opendcc.gbcs.frame import decode_message
from opendcc.transform.registry import CommandSpec, transform
from opendcc.transform.security_backups import ChfBackupEntry, ChfDeviceLogBackup
from tests.catalogue.security.estate import Hub
from tests.catalogue.security.reference import (
    CHF_ID,
    ESME_ID,
    GSME_ID,
    PPMID_ID,
    SR,
    T0,
    template_root,
    vector_bytes,
)
from tests.catalogue.security.shapes import differences, message_shape
from tests.reference import REFERENCE_DIR, require_reference

CREDENTIALS_NOW = datetime(2016, 6, 1, tzinfo=UTC)
"""Within the validity of the vectors' credentials (2016-01-10 to 2025-10-29)."""
TEMPLATE_CREDENTIALS_NOW = datetime(2026, 6, 1, tzinfo=UTC)
"""Within the validity of the templates' credentials (reissued 2025-09-01 for ten years)."""
IMAGE_HASH = bytes.fromhex("aa758690730934ff0685aa758690730934ff0685657788990011223344556677")
VERSION = bytes.fromhex("0123ABCF")
RTDS = REFERENCE_DIR / "gbcs" / "rtds"


def _joined(
    eui: str, kind: HanType, method: JoinMethodAndRole, target: Eui64
) -> Callable[[Hub], None]:
    def setup(hub: Hub) -> None:
        log = hub.state(target).get(han_device_log.DeviceLog)
        log.add(Eui64.parse(eui), kind, method, T0)

    return setup


def _image(hash_: bytes, target: Eui64 = ESME_ID) -> Callable[[Hub], None]:
    def setup(hub: Hub) -> None:
        receive_firmware_image(hub.state(target), version=VERSION, now=T0, image_hash=hash_)

    return setup


_A_INITIATOR = JoinMethodAndRole.METHOD_A_INITIATOR
_A_RESPONDER = JoinMethodAndRole.METHOD_A_RESPONDER
_B = JoinMethodAndRole.METHOD_B


def _whitelisted(*euis: str) -> Callable[[Hub], None]:
    """The CHF's whitelist set up with these Devices joined (as 8.11 and a join leave it)."""

    def setup(hub: Hub) -> None:
        log = hub.state(CHF_ID).get(han_chf.ChfDeviceLog)
        log.managed = True
        for eui in euis:
            device = Eui64.parse(eui)
            log.devices.append(
                {
                    "device": device.hex,
                    "install_code": "30313233343536373839414243444546",
                    "link_key_hash": han_chf.link_key_hash(b"0123456789ABCDEF", device).hex(),
                    "added_at": T0,
                }
            )

    return setup


def _backup_of(eui: str) -> Callable[[Hub], None]:
    """The DCC holding the old CHF's last CS14 backup (two Devices with link keys)."""

    def setup(hub: Hub) -> None:
        hub.premises.backups[Eui64.parse(eui)] = ChfDeviceLogBackup(
            bytes.fromhex("0000000000000140"),
            (
                ChfBackupEntry(ESME_ID, bytes(range(16))),
                ChfBackupEntry(GSME_ID, bytes(range(16, 32))),
            ),
        )

    return setup


@dataclass(frozen=True)
class Case:
    now: datetime = T0
    setup: Callable[[Hub], None] | None = None
    before: tuple[str, ...] = ()
    """Stems of Commands delivered first (a success the error case builds on)."""
    same_values: bool = True
    """Whether the Response must also carry the reference's values (outcome codes)."""
    unreproducible: str = ""
    """Why no Device state of opendcc gives this reference Response (the case is skipped)."""


def _hardware_fault(use_case: str, target: Eui64) -> Callable[[Hub], None]:
    """A hardware fault on ``use_case`` where the reference ERROR Responses fail."""

    def setup(hub: Hub) -> None:
        security_common.inject_fault(hub.state(target), use_case)

    return setup


def _config_fault(key: str, target: Eui64) -> Callable[[Hub], None]:
    def setup(hub: Hub) -> None:
        config_api.inject_fault(hub.state(target), key)

    return setup


def _unreadable_certificates(target: Eui64) -> Callable[[Hub], None]:
    """A damaged certificate store: the installed Device Certificates cannot be read."""

    def setup(hub: Hub) -> None:
        state = hub.state(target)
        state.get(DeviceCredentials).certificates.update({"ds": "00", "ka": "00"})
        state.touch()

    return setup


CASES: dict[str, Case] = {
    "CS03A1_8.7.1_ERROR": Case(before=("CS03A1_8.7.1_SUCCESS",)),
    "CS04ACCritical_8.8.1_SUCCESS": Case(
        setup=_joined("00-DB-12-34-56-78-90-99", HanType.PPMID, _A_INITIATOR, ESME_ID)
    ),
    "CS04ACNonCritical_8.8.2_SUCCESS": Case(
        setup=_joined("01-02-03-04-05-06-07-08", HanType.ESME, _A_RESPONDER, PPMID_ID)
    ),
    "CS04B_8.8.2_SUCCESS": Case(
        setup=_joined("01-02-03-04-05-06-07-08", HanType.TYPE_2, _B, GSME_ID)
    ),
    "CS03CNonCritical_8.7.2_SUCCESS": Case(
        unreproducible=(
            "the reference Command carries the Key Agreement certificate of 90-A1, not of "
            "90-94 it joins: a Device answers invalidOrMissingCertificate"
        )
    ),
    "CCS05CCS04_8.9_SUCCESS": Case(
        setup=_whitelisted("00-DB-12-34-56-78-90-A0", "00-DB-12-34-56-78-90-A1"),
        same_values=False,
    ),
    "CCS06_8.9_SUCCESS": Case(
        setup=_whitelisted("00-DB-12-34-56-78-90-A0", "00-DB-12-34-56-78-90-A1"),
        same_values=False,
    ),
    "CS02gLoadControllerBySupplier_6.15.1_IMMEDIATE_ERROR": Case(
        unreproducible=(
            "its certification path certificate has a damaged signature: telling needs the "
            "root CA certificate (the root trust anchor), which the reference data lacks; "
            "a Device with its root cell provisioned refuses it (test_security_credentials)"
        )
    ),
    "CCS02_8.11_SUCCESS": Case(setup=_whitelisted("00-DB-12-34-56-78-90-A0")),
    "CCS03_8.12.1_SUCCESS": Case(setup=_backup_of("00-DB-12-34-56-78-90-95")),
    "CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS": Case(now=TEMPLATE_CREDENTIALS_NOW),
    "CS02bSupplierByTransCoS_6.23_FUTURE_DATED_SUCCESS": Case(now=TEMPLATE_CREDENTIALS_NOW),
    "CS02bSupplierByTransCoS_6.23_8F66_FUTURE_DATED_SUCCESS": Case(now=TEMPLATE_CREDENTIALS_NOW),
    "CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_SUCCESS": Case(now=TEMPLATE_CREDENTIALS_NOW),
    "CS02bSupplierBySupplier_6.15.1_8F66_FUTURE_DATED_SUCCESS": Case(now=TEMPLATE_CREDENTIALS_NOW),
    "CS07_8.9_ERROR": Case(setup=_hardware_fault("CS07", GSME_ID)),
    "CS02e_6.24.2_ERROR": Case(setup=_unreadable_certificates(ESME_ID), now=CREDENTIALS_NOW),
    "CCS01_8.11_ERROR": Case(setup=_hardware_fault("CCS01", CHF_ID)),
    "CCS02_8.11_ERROR": Case(setup=_hardware_fault("CCS02", CHF_ID)),
    "CCS03_8.12.1_ERROR": Case(setup=_hardware_fault("CCS03", CHF_ID)),
    "CCS06_8.9_ERROR": Case(setup=_hardware_fault("CCS06", CHF_ID)),
    "CCS07_8.9_ERROR": Case(setup=_hardware_fault("CCS07", CHF_ID)),
    "ECS52_11.2_ERROR": Case(setup=_hardware_fault("ECS52", ESME_ID)),
    "GCS38_11.2_ERROR": Case(setup=_hardware_fault("GCS38", GSME_ID)),
    # 8.1.1's ECS70 is the configuration family's clock handler: its fault on the Clock.
    "ECS70Commission_8.1.1_ERROR": Case(setup=_config_fault("8/0-0:1.0.0.255/2", ESME_ID)),
    "CS02c_6.17_SUCCESS": Case(now=CREDENTIALS_NOW, same_values=False),
    "CS02aMAC_6.24.1_SUCCESS": Case(now=CREDENTIALS_NOW, same_values=False),
    "CS02fMAC_6.24.1_SUCCESS": Case(now=CREDENTIALS_NOW, same_values=False),
    "CS06_11.3_IMMEDIATE_ERROR": Case(same_values=False),
    "CS06_11.3_FUTURE_DATED_ERROR": Case(setup=_image(bytes(32))),
    "CS06_11.3_FUTURE_DATED_SUCCESS": Case(setup=_image(IMAGE_HASH)),
    "CS06_11.3_8F66_FUTURE_DATED_SUCCESS": Case(setup=_image(IMAGE_HASH)),
    "CS06_11.3_8F67_FUTURE_DATED_ERROR": Case(setup=_image(bytes(32))),
}
"""Cases needing state, those whose values are state (figures, keys, counters) rather than
outcomes, and the reference Responses no Device state reproduces."""

CREDENTIAL_USE_CASES = ("CS02b", "CS02g", "CS02d", "CS02a", "CS02f", "CS02c", "CS02e")


def _case(stem: str) -> Case:
    found = CASES.get(stem)
    if found is not None:
        return found
    if stem.startswith(CREDENTIAL_USE_CASES):
        return Case(now=CREDENTIALS_NOW)
    return Case()


def _command_for(stem: str, hub: Hub, now: datetime = T0) -> bytes | None:
    """The reference Command of ``stem``: published, or its Pre-Command signed by the
    User's reference key (critical Commands whose signed form is held back), or else the
    Command opendcc's transform makes of the case's template."""
    for path in RTDS.glob(f"*/{stem}_COMMAND_GBCS.HEX"):
        return vector_bytes(path)
    for path in RTDS.glob(f"*/{stem}_PRECOMMAND_GBCS.HEX"):
        pre_command = decode_message(vector_bytes(path))
        signer = hub.security.keystore.signer(pre_command.originator)
        if signer is None or signer.private_key is None:
            return None
        signature = build.sign_pre_command(pre_command, signer.private_key)
        return build.critical_command(pre_command, signature, hub.security).encode()
    base, execution = DERIVED_REQUESTS.get(stem, (stem, None))
    template = REFERENCE_DIR / "duis" / "templates" / f"{base}_REQUEST_DUIS.XML"
    if template.exists():
        root = template_root(template.name)
        if execution is not None:
            body = root.find(f"{SR}Body")
            assert body is not None
            element = etree.Element(f"{SR}ExecutionDateTime")
            element.text = execution
            body[0].insert(0, element)
        request = hub.request(root, now)
        spec = transform(request)
        assert isinstance(spec, CommandSpec), spec
        return hub.command(spec, request)
    return None


DERIVED_REQUESTS: dict[str, tuple[str, str | None]] = {
    "CS02bSupplierByTransCoS_6.23_FUTURE_DATED_SUCCESS": (
        "CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS",
        "2030-01-02T00:00:00.00Z",
    ),
}
"""Requests made from a published template plus an ExecutionDateTime (the future-dated
6.23 template is held back; its Response and Alert are published)."""


def _family_responses() -> list[object]:
    folders = [f for f in sorted(RTDS.glob("*_*")) if f.name.split("_")[0] in _VARIANTS]
    folders += sorted(RTDS.glob("NA_CS02*"))
    return [
        pytest.param(p, id=p.name)
        for folder in folders
        for p in sorted(folder.glob("*_RESPONSE_GBCS.HEX"))
    ] or [pytest.param(RTDS / "missing", id="reference-missing")]


_VARIANTS = {
    "6.15.1", "6.15.2", "6.17", "6.21", "6.23", "6.24.1", "6.24.2", "8.5", "8.1.1",
    "8.7.1", "8.7.2", "8.8.1", "8.8.2", "8.9", "8.11", "8.12.1", "8.12.2", "11.2", "11.3",
}  # fmt: skip


def _deliver(hub: Hub, stem: str, now: datetime) -> tuple[bytes | None, str | None]:
    command = _command_for(stem, hub, now)
    if command is None:
        return None, "no Command of this case is published (nor a Pre-Command to sign)"
    message = decode_message(command)
    if not message.mac_header:
        return None, "signed without a MAC header: not how the DCC delivers Commands"
    result = hub.deliver(command, message.recipient, now)
    assert result.outcome is Outcome.RESPONDED, result.reason
    return result.response, None


@pytest.mark.conformance
@pytest.mark.parametrize("reference", _family_responses())
def test_device_answers_like_the_reference_device(reference: Path) -> None:
    if not reference.exists():
        require_reference("gbcs", "rtds", "__missing__")
    stem = reference.name.removesuffix("_RESPONSE_GBCS.HEX")
    case = _case(stem)
    if case.unreproducible:
        pytest.skip(case.unreproducible)
    hub = Hub()
    if case.setup is not None:
        case.setup(hub)
    for earlier in case.before:
        _deliver(hub, earlier, case.now)
    response, skipped = _deliver(hub, stem, case.now)
    if skipped is not None:
        pytest.skip(skipped)
    assert response is not None
    expected = vector_bytes(reference)
    mine, theirs = message_shape(response, hub.security), message_shape(expected, hub.security)
    assert not differences(mine, theirs), differences(mine, theirs)
    if case.same_values:
        assert hub.decode(response).payload.to_json()["values"] == _values_without_noise(
            hub.decode(expected).payload.to_json()["values"],
            hub.decode(response).payload.to_json()["values"],
        )


_NOISE = (
    "device_time",
    "Clock",
    "current_seq_number",
    "last_communication_date_time",
    "authorising_remote_party_seq_number",
    "originator_counter",
    "execution_date_time",
)


def _values_without_noise(theirs: object, mine: object) -> object:
    """The reference values with the time-like ones replaced by ours (they are 'now')."""
    if isinstance(theirs, dict) and isinstance(mine, dict):
        return {
            k: mine.get(k) if k in _NOISE else _values_without_noise(v, mine.get(k))
            for k, v in theirs.items()
        }
    if isinstance(theirs, list) and isinstance(mine, list) and len(theirs) == len(mine):
        return [_values_without_noise(t, m) for t, m in zip(theirs, mine, strict=True)]
    return theirs


def _family_alerts() -> list[object]:
    return [
        pytest.param(p, id=p.name)
        for p in sorted(RTDS.glob("*/*8F6[67]_FUTURE_DATED_*_ALERT_GBCS.HEX"))
        if p.parent.name.split("_")[0] in _VARIANTS or p.parent.name.startswith("NA_CS02")
    ] or [pytest.param(RTDS / "missing", id="reference-missing")]


@pytest.mark.conformance
@pytest.mark.parametrize("reference", _family_alerts())
def test_future_dated_execution_alert_like_the_reference(reference: Path) -> None:
    if not reference.exists():
        require_reference("gbcs", "rtds", "__missing__")
    stem = reference.name.removesuffix("_ALERT_GBCS.HEX")
    kind = "SUCCESS" if "_8F66_" in stem else "ERROR"
    command_stem = stem.replace("_8F66_", "_").replace("_8F67_", "_")
    case = _case(stem)
    hub = Hub()
    if case.setup is not None:
        case.setup(hub)
    _, skipped = _deliver(hub, command_stem, case.now)
    if skipped is not None:
        pytest.skip(skipped)
    message = decode_message(_command_for(command_stem, hub, case.now) or b"")
    state = hub.state(message.recipient)
    assert state.next_wake is not None, "the Device did not hold the Command"
    alerts = hub.wake(message.recipient, state.next_wake)
    expected = hub.decode(vector_bytes(reference))
    assert alerts, f"no {kind} alert"
    mine = alerts[-1]
    assert mine.message.message_code == expected.message.message_code
    mine_shape = message_shape(mine.message.encode(), hub.security)
    their_shape = message_shape(vector_bytes(reference), hub.security)
    assert not differences(mine_shape, their_shape), differences(mine_shape, their_shape)
    assert (
        mine.payload.to_json()["values"]["alert_code"]
        == expected.payload.to_json()["values"]["alert_code"]
    )
