"""Throughput of the supply family: transforms, and simulated meters answering Commands.

Run: ``python bench/supply_bench.py`` (needs ../shared/reference for the keys). Figures are
per operation on one core: the transform alone (what the hub runs per Service Request), and
a simulated meter processing a built Command (MAC check, anti-replay, payload decode, the
handler, Response build and MAC or signature).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.catalogue.supply.cases import INLINE_BODIES
from tests.catalogue.supply.harness import (
    ESME,
    GSME,
    RTDS_NOW,
    SUPPLIER,
    Meter,
    body,
    meter_keystore,
)

from opendcc.devices import supply, supply_auxiliary  # noqa: F401
from opendcc.gbcs.security import GbcsSecurity
from opendcc.roles import UserRole
from opendcc.transform import supply as supply_transforms  # noqa: F401
from opendcc.transform import supply_auxiliary as auxiliary_transforms  # noqa: F401
from opendcc.transform.registry import CommandSpec, TransformInput, transform

CASES = [
    ("7.2 Disable Supply (ESME, ECS43)", "7.2", "ECS43_7.2", ESME),
    ("7.2 Disable Supply (GSME, GCS32)", "7.2", "GCS32_7.2", GSME),
    ("7.4 Read Supply Status (ESME, ECS45)", "7.4", "ECS45_7.4", ESME),
    ("7.4 Read Supply Status (GSME, GCS33)", "7.4", "GCS33_7.4", GSME),
    ("7.7 Read Auxiliary Load Switch Data (ECS61a)", "7.7", "ECS61a_7.7_ALL_OPTIONALS", ESME),
    ("7.13 Set Auxiliary Controller State (ECS47a)", "7.13", "ECS47a_7.13_APC_INPUT", ESME),
]


def rate(action: Callable[[], object], seconds: float = 0.5) -> float:
    count, start = 0, time.perf_counter()
    while True:
        for _ in range(20):
            action()
        count += 20
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def main() -> None:
    security = GbcsSecurity(meter_keystore())
    print(f"{'case':48} {'transform/s':>12} {'device/s':>10}")
    for label, variant, key, device in CASES:
        element = body(INLINE_BODIES[key])
        request = TransformInput(
            variant,
            element,
            SUPPLIER,
            device.device_id,
            5000,
            device,
            UserRole.IMPORT_SUPPLIER,
            RTDS_NOW,
        )
        transforms = rate(lambda request=request: transform(request))
        meter = Meter(security, device)
        spec = transform(request)
        assert isinstance(spec, CommandSpec)
        commands = [meter.command(variant, spec, SUPPLIER, c) for c in range(10_000, 10_400)]
        start = time.perf_counter()
        for command in commands:
            meter.simulator.process(command, meter.state, RTDS_NOW)
        processed = len(commands) / (time.perf_counter() - start)
        print(f"{label:48} {transforms:12,.0f} {processed:10,.0f}")


if __name__ == "__main__":
    main()
