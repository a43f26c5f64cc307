"""Security family throughput on one core: transforms and simulated Device answers.

Run: ``python bench/security_bench.py [--seconds 2]`` (the shared reference data beside the
checkout, or ``OPENDCC_REFERENCE_DIR``).

Figures (per second):
- transform: DUIS body to CommandSpec for 6.15.1 (three certificates and a path
  certificate, DER), 11.2 on an ESME (DLMS) and 8.11 Add on the CHF (DLMS);
- device: a MACed 11.2 ECS52 Command decoded, checked (MAC, trust anchors, anti-replay),
  answered and MACed, on a Device with as-installed trust anchors and on one whose supplier
  cells a change of supplier pinned (the authoriser's slow path);
- device, credentials: a CS02a Provide Security Credential Details answer (keystore
  look-ups of every as-installed cell).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REFERENCE = Path(os.environ.get("OPENDCC_REFERENCE_DIR", ROOT.parent / "shared" / "reference"))
os.environ.setdefault("OPENDCC_REFERENCE_DIR", str(REFERENCE))

from tests.catalogue.security.estate import Hub  # noqa: E402
from tests.catalogue.security.reference import (  # noqa: E402
    ESME_ID,
    SUPPLIER,
    request_document,
    request_for,
)

from opendcc.devices.security_trust_anchors import DS, CellId, Role, provision_cell  # noqa: E402
from opendcc.devices.simulator import AntiReplay  # noqa: E402
from opendcc.transform.registry import CommandSpec, transform  # noqa: E402

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def rate(work: Callable[[], object], seconds: float) -> float:
    for _ in range(20):
        work()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            work()
        count += 50
    return count / elapsed


def template(name: str) -> etree._Element:
    return etree.parse(str(REFERENCE / "duis" / "templates" / name)).getroot()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    seconds = parser.parse_args().seconds

    for name in (
        "CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML",
        "ECS52_11.2_SUCCESS_REQUEST_DUIS.XML",
        "CCS01_8.11_SUCCESS_REQUEST_DUIS.XML",
    ):
        request = request_for(template(name), now=NOW, dcc_counter=lambda party: 1300)
        assert isinstance(transform(request), CommandSpec)
        print(
            f"transform {name.split('_')[1]:7s} {name.split('_')[0]:24s} "
            f"{rate(lambda r=request: transform(r), seconds):10,.0f}/s"
        )

    hub = Hub()
    read = request_document("11.2", SUPPLIER, ESME_ID, 1, "<sr:ReadFirmwareVersion/>")
    spec_request = hub.request(read, NOW)
    spec = transform(spec_request)
    assert isinstance(spec, CommandSpec)
    command = hub.command(spec, spec_request)
    state = hub.state(ESME_ID)

    def answer() -> object:
        state.get(AntiReplay).last.clear()
        return hub.deliver(command, ESME_ID, NOW)

    print(f"device   11.2 ECS52 as installed       {rate(answer, seconds):10,.0f}/s")
    supplier_ds = hub.security.keystore.find(SUPPLIER)[0].record
    assert supplier_ds is not None
    provision_cell(state, CellId(Role.SUPPLIER, DS), supplier_ds.certificate)
    print(f"device   11.2 ECS52 pinned supplier     {rate(answer, seconds):10,.0f}/s")

    details = request_document(
        "6.24.1",
        SUPPLIER,
        ESME_ID,
        2,
        "<sr:RetrieveDeviceSecurityCredentialsKRP><sr:RemotePartyRole>Supplier"
        "</sr:RemotePartyRole><sr:RemotePartyRole>NetworkOperator</sr:RemotePartyRole>"
        "</sr:RetrieveDeviceSecurityCredentialsKRP>",
    )
    details_request = hub.request(details, NOW)
    details_spec = transform(details_request)
    assert isinstance(details_spec, CommandSpec)
    credentials = hub.command(details_spec, details_request)

    def credentials_answer() -> object:
        state.get(AntiReplay).last.clear()
        return hub.deliver(credentials, ESME_ID, NOW)

    print(f"device   6.24.1 CS02a (2 roles)        {rate(credentials_answer, seconds):10,.0f}/s")


if __name__ == "__main__":
    main()
