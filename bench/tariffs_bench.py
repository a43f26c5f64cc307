"""Throughput of the tariffs family: transforms, simulated meters answering Commands, the
money engine and UTRN verification.

Run: ``python bench/tariffs_bench.py`` (needs ../shared/reference for templates and keys).
Figures are per operation on one core:

- transform: the DUIS body read and the GBCS payload built (what the hub runs per Service
  Request);
- device: a simulated meter processing a built Command (MAC or signature check,
  anti-replay, payload decode, the handler with its settle / publish / credit watch,
  Response build). Critical Commands carry a User signature the meter verifies, which
  dominates their figure;
- settle: a meter's money brought forward by a day / by five minutes (half-hour charging,
  standing charge, debt recovery, snapshot);
- UTRN verify: ECDH, KDF and the GCM tag of one top-up token.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.catalogue.tariffs import support as s

from opendcc.devices.state import DeviceState
from opendcc.devices.tariffs_billing import settle
from opendcc.devices.tariffs_links import next_exhaustion
from opendcc.devices.tariffs_utrn import ValueClass, mint, verify
from opendcc.inventory.model import Device
from opendcc.transform.registry import CommandSpec, transform

CASES = [
    ("1.1.1 Update Import Tariff (ESME, ECS01a)", "ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS"),
    ("1.1.1 Update Import Tariff (GSME, GCS01a)", "GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS"),
    ("1.2.1 Update Price (ESME, ECS01b)", "ECS01b_1.2.1_IMMEDIATE_TOU_SUCCESS"),
    ("2.1 Update Prepay Configuration (ECS08a)", "ECS08a_2.1_IMMEDIATE_SUCCESS"),
    ("2.3 Update Debt (ESME, ECS07)", "ECS07_2.3_SUCCESS"),
    ("4.11.1 Read Tariff (ESME, ECS24)", "ECS24_4.11.1_SUCCESS"),
    ("4.18 Read Meter Balance (ESME, ECS82)", "ECS82_4.18_SUCCESS"),
    ("4.18 Read Meter Balance (GSME, GCS60a)", "GCS60a_4.18_SUCCESS_UNRELIABLE_GSME"),
    ("6.2.9 Read Payment Mode (GSME, GCS21j)", "GCS21j_6.2.9_SUCCESS"),
]


def rate(action: Callable[[], object], seconds: float = 0.5) -> float:
    count, start = 0, time.perf_counter()
    while True:
        for _ in range(10):
            action()
        count += 10
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def _device_rate(template: str, count: int = 200) -> float:
    request = s.request_from(f"{template}_REQUEST_DUIS.XML")
    spec = transform(request)
    assert isinstance(spec, CommandSpec)
    meter = s.Meter(s.device(request.target.value & 0xFF), variant=s.variant_for(template))
    commands = [
        s.command(spec, replace(request, counter=request.counter + n)).encode()
        for n in range(1, count + 1)
    ]
    start = time.perf_counter()
    for raw in commands:
        meter.simulator.process(raw, meter.state, s.RTDS_NOW)
    return count / (time.perf_counter() - start)


def _top_up_rate(count: int = 100) -> float:
    meter = s.Meter(s.ESME, variant="A")
    security = s.device_security()
    bodies = [
        s.element(
            "TopUpDevice",
            UTRN=mint(n << 32, 100, s.SUPPLIER, s.ESME.device_id, security, ValueClass.PENNIES),
        )
        for n in range(1, count + 1)
    ]
    start = time.perf_counter()
    for n, body in enumerate(bodies, start=1):
        meter.ask("2.2", body, s.RTDS_NOW, counter=n << 32)
    return count / (time.perf_counter() - start)


def _settle_rate(device: Device, step: timedelta, count: int = 400) -> float:
    """Settles of ``step`` each, from a year after the model's epoch (realistic dates)."""
    state = DeviceState(device)
    start = s.RTDS_NOW + timedelta(days=365)
    settle(state, start)
    began = time.perf_counter()
    for n in range(1, count + 1):
        settle(state, start + step * n)
    return count / (time.perf_counter() - began)


def main() -> None:
    print(f"{'case':48} {'transform/s':>12} {'device/s':>10}")
    for label, template in CASES:
        request = s.request_from(f"{template}_REQUEST_DUIS.XML")
        transforms = rate(partial(transform, request))
        print(f"{label:48} {transforms:12,.0f} {_device_rate(template):10,.0f}")
    print(f"{'2.2 Top Up Device (ESME, CS01a), with the UTRN':48} {'':12} {_top_up_rate():10,.0f}")

    for device in (s.ESME, s.GSME):
        name = device.device_type.value
        print(f"settle {name}: a day {_settle_rate(device, timedelta(days=1)):,.0f}/s, ", end="")
        print(f"five minutes {_settle_rate(device, timedelta(minutes=5)):,.0f}/s")
        state = DeviceState(device)
        settle(state, s.RTDS_NOW).meter_balance = 10**9  # lasts the whole horizon: the worst case
        print(f"next_exhaustion {name} (the whole horizon): ", end="")
        print(f"{rate(partial(next_exhaustion, state, s.RTDS_NOW)):,.0f}/s")

    request = s.request_from("CS01a_2.2_SUCCESS_REQUEST_DUIS.XML")
    utrn = request.body.findtext(f"{s.SR}UTRN") or ""
    security = s.security()
    verified = rate(
        lambda: verify(utrn, request.counter, request.originator, request.target, security)
    )
    print(f"UTRN verify: {verified:,.0f}/s")


if __name__ == "__main__":
    main()
