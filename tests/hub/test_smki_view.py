"""The inventory view the hub's transforms see: the inventory's capabilities kept, the
other Device's certificates from the SMKI repository (DUIS 8.7, GBCS 13.7.5)."""

from __future__ import annotations

import inspect
from pathlib import Path

from opendcc.estate import rtds
from opendcc.estate.seed import seed_rtds
from opendcc.eui import Eui64
from opendcc.hub.smki_view import SmkiInventoryView
from opendcc.smki import estates
from opendcc.smki.devices import DeviceDirectory
from opendcc.smki.identity import KeyUsage
from opendcc.smki.pkidir import PkiDirectory, init_pki
from opendcc.store.database import Database
from opendcc.store.estate import ESTATE_SCHEMA, open_estate
from opendcc.transform.reads_logs import EsmeVariantView
from opendcc.transform.security_backups import DeviceLogBackups
from opendcc.transform.tariffs_common import DeviceDetailsLookup
from tests.smki.conftest import NOW


def test_the_view_keeps_the_inventory_and_answers_certificates_from_the_smki(
    tmp_path: Path,
) -> None:
    init_pki(tmp_path / "pki", estates.DEMO, NOW)
    pki = PkiDirectory.open(tmp_path / "pki")
    with Database(tmp_path / "estate.db", parts=list(ESTATE_SCHEMA)) as db:
        estate = open_estate(db)
        seed_rtds(estate)
        inventory = estate.inventory
        smki = DeviceDirectory(
            pki.device_credentials(), lambda e: inventory.get_device(e) is not None
        )
        view = SmkiInventoryView(inventory, smki)

        # The inventory's answers, and its optional capabilities as the transforms find
        # them (runtime-checkable Protocols; statically looked up from Python 3.12 on).
        assert view.get_device(rtds.PPMID) == inventory.get_device(rtds.PPMID)
        assert view.esme_variant(rtds.ESME) == inventory.esme_variant(rtds.ESME) == "B"
        for protocol, name in (
            (EsmeVariantView, "esme_variant"),
            (DeviceDetailsLookup, "device_details"),
        ):
            assert isinstance(view, protocol) == isinstance(inventory, protocol) is True
            inspect.getattr_static(view, name)
        assert isinstance(view, DeviceLogBackups) == isinstance(inventory, DeviceLogBackups)

        # The partner's KA certificate is the SMKI's; a revoked one is not offered; a
        # Device the inventory does not hold has none.
        held = view.for_eui(rtds.PARTNER_PPMID, KeyUsage.KEY_AGREEMENT)
        assert [r.serial for r in held] == [
            r.serial for r in smki.for_eui(rtds.PARTNER_PPMID, KeyUsage.KEY_AGREEMENT)
        ]
        assert held and held[0].eui == rtds.PARTNER_PPMID
        assert held[0].usage is KeyUsage.KEY_AGREEMENT
        assert smki.revoke(held[0].serial, NOW)
        assert view.for_eui(rtds.PARTNER_PPMID, KeyUsage.KEY_AGREEMENT) == []
        unknown = Eui64.parse("00-DB-12-34-56-78-90-9F")
        assert view.for_eui(unknown, KeyUsage.KEY_AGREEMENT) == []
