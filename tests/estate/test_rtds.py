"""The reference (rtds) estate against the DUIS reference templates and DCC Boxed keys.

Every template's target must be in the estate with a device type its GBCS use case can
address, every Device a non-device template names must exist, and the E1-E4 checks must
pass for the template's originator, except where the estate says why not: the DCC's own
identity and the load controller hold no User Role (E1), and the second supplier is not
the registered supplier now (E4).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from tests.reference import check_present, reference_params, require_reference

from opendcc.access.eligibility import Refusal, check_registration, resolve_roles
from opendcc.estate import rtds, rules
from opendcc.estate.seed import seed_rtds
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.inventory.model import DeviceType, SmiStatus
from opendcc.roles import UserRole
from opendcc.smki.keystore import Keystore
from opendcc.store.database import Database
from opendcc.store.estate import ESTATE_SCHEMA, EstateLoader, SqliteEstate, open_estate

NS = {"sr": "http://www.dccinterface.co.uk/ServiceUserGateway"}
NOW = datetime.now(UTC)
D = DeviceType
SMKI_DEVICES = frozenset({D.ESME, D.GSME, D.CHF, D.GPF, D.PPMID, D.HCALCS})
METERS = frozenset({D.ESME, D.GSME})
HAN_NON_METERS = frozenset({D.PPMID, D.HCALCS})

# Which device types a GBCS use case addresses (opendcc's reading of GBCS): the use-case
# family first (ECS electricity, GCS gas: the GSME or the GPF holding its mirror, CCS and
# DBCH the Communications Hub, CS any device with SMKI credentials), then the use cases
# that narrow it. The longest matching prefix of the template's use-case code wins.
USE_CASE_DEVICE_TYPES: dict[str, frozenset[DeviceType]] = {
    "ECS": frozenset({D.ESME}),
    # ECS use cases whose titles name the Communications Hub or a standalone APC.
    "ECS26n": frozenset({D.CHF}),
    "ECS35c": frozenset({D.CHF}),
    "ECS35d": frozenset({D.CHF}),
    "ECS52": frozenset({D.ESME, D.HCALCS, D.CHF}),
    "ECS46d": frozenset({D.ESME, D.HCALCS}),  # auxiliary controller calendar: ESME or APC
    "ECS47e": frozenset({D.ESME, D.HCALCS}),
    "GCS": frozenset({D.GSME, D.GPF}),
    "CCS": frozenset({D.CHF}),
    "DBCH": frozenset({D.CHF}),
    "CS": SMKI_DEVICES,
    "CS01a": frozenset({D.ESME}),
    "CS01b": frozenset({D.GSME}),
    "CS03A1": METERS,
    "CS03A2": HAN_NON_METERS,
    "CS03B": METERS,
    "CS03CCritical": frozenset({D.GSME}),
    "CS03CNonCritical": frozenset({D.PPMID}),
    "CS04ACCritical": METERS,
    "CS04ACNonCritical": HAN_NON_METERS,
    "CS04B": METERS,
    "CS08": HAN_NON_METERS,
    "CS11": frozenset({D.GSME, D.GPF, D.PPMID, D.HCALCS, D.CHF}),
}


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteEstate]:
    keys = require_reference("keys", "dccboxed")
    db = Database(tmp_path_factory.mktemp("rtds") / "rtds.db", parts=list(ESTATE_SCHEMA)).open()
    try:
        stores = open_estate(db)
        report = seed_rtds(stores, keystore=Keystore.load(keys))
        assert not report.skipped
        yield stores
    finally:
        db.close()


@pytest.fixture(scope="module")
def eligible_roles() -> dict[str, frozenset[UserRole]]:
    matrix = json.loads(require_reference("duis", "request-matrix.json").read_text())
    return {
        row["Service Reference Variant"]: frozenset(UserRole(r) for r in row["Eligible User Roles"])
        for row in matrix
    }


def use_case_types(template: Path) -> frozenset[DeviceType] | None:
    code = template.name.split("_", 1)[0]
    matches = [p for p in USE_CASE_DEVICE_TYPES if code.startswith(p)]
    return USE_CASE_DEVICE_TYPES[max(matches, key=len)] if matches else None


def header(template: Path) -> tuple[Eui64, Eui64, str, etree._Element]:
    root = etree.parse(str(template), etree.XMLParser(resolve_entities=False)).getroot()
    request_id = root.findtext("sr:Header/sr:RequestID", namespaces=NS) or ""
    originator, target, _ = request_id.strip().split(":")
    variant = (root.findtext("sr:Header/sr:ServiceReferenceVariant", namespaces=NS) or "").strip()
    body = root.find("sr:Body", NS)
    assert body is not None
    return Eui64.parse(originator), Eui64.parse(target), variant, body


@pytest.mark.conformance
@pytest.mark.parametrize("template", reference_params("duis/templates", "*.XML"))
def test_template_targets_exist_and_pass_the_access_checks(
    template: Path, estate: SqliteEstate, eligible_roles: dict[str, frozenset[UserRole]]
) -> None:
    check_present(template)
    originator, target, variant, body = header(template)
    inventory = estate.inventory
    if target == DCC_ACCESS_CONTROL_BROKER:
        # A non-device request: the Devices it names must exist (a pre-notification names
        # the Device it is about to add, so it is exempt).
        if variant != "12.2":
            for element in body.iter(f"{{{NS['sr']}}}DeviceID", f"{{{NS['sr']}}}DeviceIDList"):
                for text in (element.text or "").split():
                    assert inventory.get_device(Eui64.parse(text)) is not None, text
        device = None
    else:
        device = inventory.get_device(target)
        assert device is not None, f"{template.name}: {target} is not in the rtds estate"
        assert device.status is SmiStatus.COMMISSIONED
        expected = use_case_types(template)
        assert expected is not None, f"{template.name}: no use-case family for the check"
        assert device.device_type in expected, (template.name, device.device_type)

    user = estate.users.get_user(originator)
    assert user is not None, f"{template.name}: originator {originator} is not a User"
    roles = resolve_roles(user, eligible_roles[variant], variant)
    if isinstance(roles, Refusal):
        # Only the identities that hold no User Role are refused here, with E1.
        assert roles.code == "E1" and not user.roles, (template.name, roles)
        assert {"dcc", "load_controller"} & user.tags
        return
    if device is None:
        return
    fuels = inventory.fuels_by_mpxn(device)
    registrations = estate.registrations.registrations_for(fuels, NOW)
    verdict = check_registration(user, roles, device, fuels, registrations, NOW)
    if isinstance(verdict, Refusal):
        # The second supplier supplied the premises until the change of supplier.
        assert originator == rtds.SUPPLIER_2 and verdict.code == "E4", (template.name, verdict)
        history = estate.registrations.registrations_for(fuels, rtds.SUPPLY_SINCE)
        assert any(r.party == rtds.SUPPLIER_2 for r in history)
    else:
        assert verdict in roles


@pytest.mark.conformance
def test_every_rtds_device_and_user_is_there(estate: SqliteEstate) -> None:
    for device_id, kind in rtds.DEVICE_TYPES.items():
        details = estate.inventory.device_details(device_id)
        assert details is not None and details.device.device_type is kind
        assert details.uprn == rtds.UPRN
    ppmid = estate.inventory.device_details(rtds.PPMID)
    assert ppmid is not None and ppmid.joined_meters == (rtds.ESME, rtds.GSME)
    gsme = estate.inventory.get_device(rtds.GSME)
    assert gsme is not None and (gsme.parent_id, gsme.chf_id) == (rtds.GPF, rtds.CHF)
    supplier = estate.users.get_user(rtds.SUPPLIER)
    assert supplier is not None
    assert {UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER} <= supplier.roles
    network = estate.users.get_user(rtds.NETWORK_OPERATOR)
    assert network is not None
    assert network.roles == {UserRole.ELECTRICITY_DISTRIBUTOR, UserRole.GAS_TRANSPORTER}
    for user in estate.users.list_users():
        assert rules.check_user(user) is None


@pytest.mark.conformance
def test_users_carry_the_dcc_boxed_certificate_serials(estate: SqliteEstate) -> None:
    keystore = Keystore.load(require_reference("keys", "dccboxed"))
    for user in estate.users.list_users():
        serials = {c.serial for c in estate.users.certificates(user.eui)}
        held = {e.serial for e in keystore.entries if e.eui == user.eui and e.serial}
        assert serials == held and serials, user.eui
        for serial in serials:
            assert estate.users.user_for_serial(serial) == user.eui


def test_reseeding_is_idempotent(tmp_path: Path) -> None:
    with Database(tmp_path / "again.db", parts=list(ESTATE_SCHEMA)) as db:
        stores = open_estate(db)
        assert stores.inventory.get_device(rtds.ESME) is None
        first = seed_rtds(stores)
        assert not first.skipped and first.devices == len(rtds.DEVICE_TYPES)
        # The cache that said "unknown" before the seed was dropped by it.
        assert stores.inventory.get_device(rtds.ESME) is not None
        before = stores.counts()
        second = seed_rtds(stores)
        assert second.skipped and second.devices == 0
        assert stores.counts() == before


def test_reseeding_adds_the_join_partners_to_an_older_reference_estate(tmp_path: Path) -> None:
    with Database(tmp_path / "older.db", parts=list(ESTATE_SCHEMA)) as db:
        stores = open_estate(db)
        older = rtds.rtds_chunk()
        older.devices = [d for d in older.devices if d.new.device_id not in rtds.JOIN_PARTNERS]
        loader = EstateLoader(db)
        loader.write(older)
        loader.finish()
        stores.forget()
        assert stores.inventory.get_device(rtds.PARTNER_PPMID) is None
        report = seed_rtds(stores)
        assert report.skipped and report.devices == len(rtds.JOIN_PARTNERS)
        for eui in rtds.JOIN_PARTNERS:
            assert stores.inventory.get_device(eui) is not None


@pytest.mark.conformance
def test_join_partners_wait_behind_the_reference_hub(estate: SqliteEstate) -> None:
    """Each 8.7 template's OtherDeviceID is in the inventory, of the type the reference
    GBCS vector of that use case gives the other party, installed or whitelisted behind the
    same CHF (commissioning follows the join), and holds Device certificates in the
    reference GBCS keystore (so it is a real SMKI participant, not a placeholder)."""
    vectors = require_reference("gbcs", "rtds")
    keystore = require_reference("gbcs", "keystore")
    expected = {
        "CS03A1_8.7.1": DeviceType.HCALCS,
        "CS03A2Critical_8.7.1": DeviceType.ESME,
        "CS03CCritical_8.7.1": DeviceType.PPMID,
        "CS03CNonCritical_8.7.2": DeviceType.GSME,
    }
    templates = require_reference("duis", "templates")
    for stem, kind in expected.items():
        _, target, _, body = header(templates / f"{stem}_SUCCESS_REQUEST_DUIS.XML")
        other = Eui64.parse(body.findtext(".//sr:OtherDeviceID", namespaces=NS) or "")
        variant, use_case = stem.split("_")[1], stem.split("_")[0]
        vector = vectors / f"{variant}_{use_case}" / f"{stem}_SUCCESS_COMMAND_GBCS.HEX"
        command = bytes.fromhex(vector.read_text().strip())
        # JoinDeviceCommand: ... OCTET STRING (8) the other EUI, INTEGER its device type.
        at = command.index(b"\x04\x08" + bytes(other))
        assert command[at + 10 : at + 12] == b"\x02\x01", stem
        assert command[at + 12] == kind.gbcs_code, (stem, command[at + 12])
        device = estate.inventory.get_device(other)
        assert device is not None, (stem, other)
        assert device.device_type is kind
        assert device.status is rtds.JOIN_PARTNERS[other]
        assert device.status in (SmiStatus.WHITELISTED, SmiStatus.INSTALLED_NOT_COMMISSIONED)
        assert device.chf_id == rtds.CHF
        assert estate.inventory.get_device(target) is not None
        if kind is DeviceType.GSME:
            assert device.parent_id == rtds.GPF
        for usage in ("ds", "ka"):
            assert (keystore / f"{other.hex}-{usage}.pem").is_file()
        details = estate.inventory.device_details(other)
        assert details is not None and details.joined_meters == ()
        history = [h.new for h in estate.inventory.status_history(other)]
        assert history == [SmiStatus.PENDING, device.status]


def test_rtds_mpxns_are_opendccs_own_and_valid() -> None:
    from opendcc.estate.mpxn import mpan_is_valid, mprn_is_valid

    for mpan in (rtds.MPAN, rtds.SECONDARY_MPAN, rtds.EXPORT_MPAN):
        assert mpan_is_valid(mpan) and re.fullmatch(r"14\d{11}", mpan)
    assert mprn_is_valid(rtds.MPRN)
