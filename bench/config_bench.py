"""The configuration family on one core: transforms and simulated Device answers per second.

Run: ``python bench/config_bench.py [--seconds 2]``. Reads the DUIS templates and the
reference keystore from the shared reference data beside the checkout
(``OPENDCC_REFERENCE_DIR`` overrides).

Figures, per request kind:
- transform: DUIS body element to ``CommandSpec`` (payload bytes), what the hub calls per
  request;
- device: a simulated Device processing the built Command (MAC check, anti-replay, payload
  decode, the handler against its state, the MACed or signed Response), fresh counters.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from opendcc.devices import config as _devices  # noqa: F401  (registers the handlers)
from opendcc.devices.simulator import DeviceSimulator
from opendcc.devices.state import DeviceState
from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.roles import UserRole
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import KeyEntry, Keystore
from opendcc.transform import config as _transforms  # noqa: F401  (registers the transforms)
from opendcc.transform.registry import CommandSpec, TransformInput, transform

REFERENCE = Path(
    os.environ.get(
        "OPENDCC_REFERENCE_DIR", Path(__file__).resolve().parents[2] / "shared" / "reference"
    )
)
SR = "{http://www.dccinterface.co.uk/ServiceUserGateway}"
NOW = datetime(2015, 1, 1, tzinfo=UTC)
_IS, _ED, _GS = UserRole.IMPORT_SUPPLIER, UserRole.ELECTRICITY_DISTRIBUTOR, UserRole.GAS_SUPPLIER
CASES = (
    ("6.2.1 read voltage (ECS26b)", "ECS26k_6.2.1_SUCCESS_REQUEST_DUIS.XML", _IS),
    ("3.4 supplier name (ECS16)", "ECS16_3.4_SUCCESS_REQUEST_DUIS.XML", _IS),
    ("6.5 voltage (ECS29b)", "ECS29b_6.5_SUCCESS_REQUEST_DUIS.XML", _ED),
    (
        "6.14.2 ALC scheduler (ECS46c, critical)",
        "ECS46c_6.14.2_IMMEDIATE_SOME_OPTIONALS_SUCCESS_REQUEST_DUIS.XML",
        _IS,
    ),
    ("6.8 gas billing calendar (GCS25, critical)", "GCS25_6.8_SUCCESS_REQUEST_DUIS.XML", _GS),
    ("6.2.3 gas billing calendar read (GCS21k)", "GCS21k_6.2.3_SUCCESS_REQUEST_DUIS.XML", _GS),
)
TYPES = {0xA0: DeviceType.ESME, 0xA1: DeviceType.GSME, 0xA2: DeviceType.CHF}
CRITICAL = ("ECS46c", "GCS25")


def rate(work: Callable[[], object], seconds: float) -> float:
    for _ in range(20):
        work()
    calls, start = 0, time.perf_counter()
    while True:
        for _ in range(20):
            work()
        calls += 20
        now = time.perf_counter()
        if now - start >= seconds:
            return calls / (now - start)


def _device_key(eui: Eui64, usage: KeyUsage) -> KeyEntry | None:
    if usage is not KeyUsage.DIGITAL_SIGNING:
        return None
    digest = hashlib.sha256(b"bench " + bytes(eui)).digest()
    key = ec.derive_private_key(int.from_bytes(digest, "big") % (2**255) + 1, ec.SECP256R1())
    return KeyEntry(f"bench-{eui.hex}", key.public_key(), None, key, eui, usage, "bench")


def measure(
    name: str, role: UserRole, security: GbcsSecurity, seconds: float
) -> tuple[float, float]:
    """(transforms per second, Device answers per second) for one template."""
    root = etree.parse(str(REFERENCE / "duis/templates" / name)).getroot()
    originator, target, _ = (root.findtext(f"{SR}Header/{SR}RequestID") or "").split(":")
    body = root.find(f"{SR}Body")
    assert body is not None
    eui = Eui64.parse(target)
    device = Device(eui, TYPES[eui.value & 0xFF], SmiStatus.COMMISSIONED, NOW, CspRegion.CENTRAL)
    request = TransformInput(
        variant=root.findtext(f"{SR}Header/{SR}ServiceReferenceVariant") or "",
        body=body[0],
        originator=Eui64.parse(originator),
        target=eui,
        counter=1000,
        device=device,
        role=role,
        now=NOW,
    )
    transforms = rate(lambda: transform(request), seconds)
    simulator = DeviceSimulator(security)
    state = DeviceState(device)
    counter = [1000]
    signer = security.keystore.signer(request.originator)
    assert signer is not None and signer.private_key is not None
    key = signer.private_key

    def one() -> None:
        counter[0] += 1
        spec = transform(replace(request, counter=counter[0]))
        assert isinstance(spec, CommandSpec)
        common = {
            "originator": request.originator,
            "recipient": spec.recipient,
            "counter": counter[0],
            "message_code": spec.message_code,
        }
        if spec.use_case in CRITICAL:
            pre = build.pre_command(spec.payload, **common)
            command = build.critical_command(pre, build.sign_pre_command(pre, key), security)
        else:
            command = build.command(spec.payload, security=security, **common)
        simulator.process(command.encode(), state, NOW)

    return transforms, rate(one, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    security = GbcsSecurity(Keystore.load(REFERENCE / "gbcs/keystore"), device_keys=_device_key)
    print(f"{'request':48} {'transform/s':>12} {'device/s':>10}")
    for label, name, role in CASES:
        transforms, devices = measure(name, role, security, args.seconds)
        print(f"{label:48} {transforms:12,.0f} {devices:10,.0f}")


if __name__ == "__main__":
    main()
