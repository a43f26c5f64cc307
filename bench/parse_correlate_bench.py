"""Parse and Correlate on one core: how long a User's software spends per message.

Run: ``python bench/parse_correlate_bench.py [--seconds 2]``. Reads the reference data
beside the checkout (``OPENDCC_REFERENCE_DIR`` overrides).

Figures (microseconds per call, best of three runs):
- parse ECS17b (GBCS): a 4.1.1 Response as hex, MAC checked, register block decrypted with
  the User's KA key, values named and converted;
- parse ECS17b (DUIS): the same inside a signed DUIS Response, XML signature checked;
- parse ECS22b (GBCS): a half-hourly profile (49 entries) with its CSV;
- correlate ECS44 (DLMS, 7.3 Arm Supply): the Pre-Command matches at the first transform;
- correlate GCS39 (GBZ, 7.3 on a GSME), issued 7 s after the DCC's transformation: the
  DCC's time is read from the Pre-Command and the request transformed again;
- correlate ECS01a (1.1.1 tariff, 1 kB of DLMS);
- refuse ECS01a with one price changed: the difference found and traced to its DUIS element.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import etree

from opendcc.correlate import correlate
from opendcc.duis import build
from opendcc.duis.codes import ResponseCode
from opendcc.duis.messages import ServiceRequest, parse_request
from opendcc.duis.signature import SigningIdentity, sign_to_bytes
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
from opendcc.gbcs import build as gbcs_build
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.parse import Parser, to_csv
from opendcc.roles import UserRole
from opendcc.smki.identity import RemotePartyRole
from opendcc.smki.keystore import Keystore
from opendcc.transform.registry import CommandSpec, TransformInput, lookup

REFERENCE = Path(
    os.environ.get(
        "OPENDCC_REFERENCE_DIR", Path(__file__).resolve().parents[2] / "shared" / "reference"
    )
)
RTDS = REFERENCE / "gbcs" / "rtds"
TEMPLATES = REFERENCE / "duis" / "templates"
AT = datetime(2015, 1, 1, tzinfo=UTC)


def per_call_us(work: Callable[[], object], seconds: float) -> float:
    for _ in range(20):
        work()
    best = float("inf")
    for _ in range(3):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            work()
            calls += 1
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def vector(path: str) -> bytes:
    return (RTDS / path).read_bytes()


def request(name: str) -> ServiceRequest:
    parsed = parse_request((TEMPLATES / name).read_bytes())
    assert isinstance(parsed, ServiceRequest)
    return parsed


def dcc_pre_command(req: ServiceRequest, kind: DeviceType, now: datetime) -> bytes:
    rid = req.header.request_id
    fn = lookup(req.header.variant.code, kind)
    assert fn is not None
    device = Device(rid.target, kind, SmiStatus.COMMISSIONED, AT, CspRegion.CENTRAL)
    spec = fn(
        TransformInput(req.header.variant.code, req.body, rid.originator, rid.target,
                       rid.counter, device, UserRole.IMPORT_SUPPLIER, now,
                       execution_at=req.execution_datetime)
    )  # fmt: skip
    assert isinstance(spec, CommandSpec), spec
    return gbcs_build.pre_command(
        spec.payload, originator=rid.originator, recipient=spec.recipient,
        counter=rid.counter, message_code=spec.message_code, date_time=spec.date_time,
    ).encode()  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    keys = Keystore.load(REFERENCE / "gbcs" / "keystore", REFERENCE / "keys" / "dccboxed")
    user = Parser(keys)

    ecs17b = vector("4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX")
    ecs22b = vector("4.8.1_ECS22b/ECS22b_4.8.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX")
    read = request("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML")
    entry = keys.signer(DCC_ACCESS_CONTROL_BROKER, roles=[RemotePartyRole.DSP_XML_SIGNING])
    assert entry is not None
    response = build.service_response(
        read.header, ResponseCode.I0, AT, build.gbcs_payload(bytes.fromhex(ecs17b.decode()))
    )
    signed = sign_to_bytes(response, SigningIdentity.from_entry(entry))

    arm = request("ECS44_7.3_SUCCESS_REQUEST_DUIS.XML")
    arm_pre = dcc_pre_command(arm, DeviceType.ESME, AT)
    valve = request("GCS39_7.3_SUCCESS_REQUEST_DUIS.XML")
    valve_pre = dcc_pre_command(valve, DeviceType.GSME, AT)
    tariff = request("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML")
    tariff_pre = dcc_pre_command(tariff, DeviceType.ESME, AT)
    changed_root = etree.fromstring(etree.tostring(tariff.root))
    charge = changed_root.find(".//{*}StandingCharge")
    assert charge is not None
    charge.text = str(int(charge.text or "0") + 5000)
    changed = parse_request(etree.tostring(changed_root))
    assert isinstance(changed, ServiceRequest)
    forged = dcc_pre_command(changed, DeviceType.ESME, AT)
    assert correlate(arm, arm_pre, at=AT) and correlate(tariff, tariff_pre, at=AT)
    assert correlate(valve, valve_pre, at=AT + timedelta(seconds=7))
    refusal = correlate(tariff, forged, at=AT)
    assert not refusal

    cases: list[tuple[str, Callable[[], object]]] = [
        ("parse ECS17b (GBCS hex)", lambda: user.parse(ecs17b)),
        ("parse ECS17b (signed DUIS)", lambda: user.parse(signed)),
        ("parse ECS22b profile + CSV", lambda: to_csv(user.parse(ecs22b))),
        ("correlate ECS44 (DLMS)", lambda: correlate(arm, arm_pre, at=AT)),
        (
            "correlate GCS39 (GBZ, DCC time +7 s)",
            lambda: correlate(valve, valve_pre, at=AT + timedelta(seconds=7)),
        ),
        ("correlate ECS01a (tariff)", lambda: correlate(tariff, tariff_pre, at=AT)),
        ("refuse ECS01a (price changed)", lambda: correlate(tariff, forged, at=AT)),
    ]
    print(f"refusal: {refusal.difference}")
    for name, work in cases:
        print(f"{name:40} {per_call_us(work, args.seconds):9.0f} us")


if __name__ == "__main__":
    main()
