"""The CPU cost of a Device's first Command against a Command to a Device already used.

Run as a script: ``python bench/first_command_bench.py [--premises N] [--count N] [--profile]``.

It seeds a demo estate of ``--premises`` premises with one bench supplier (as ``opendcc
bench`` does, in a temporary folder), starts the hub's parts in this process (``Hub.start``,
no HTTP server), and then, for ``--count`` distinct ESMEs of that supplier, times with
``time.process_time`` what the hub does for one 4.1.1 (ReadInstantaneousImportRegisters)
past the DUIS layer:

- the request transformed and its Command built and MACed as the pipeline does
  (``Pipeline.transform`` and ``Pipeline.build_command``);
- the Device's state loaded (``DeviceStates.load``), the Command run through
  ``DeviceSimulator.process``, the Response's MAC checked (``GbcsSecurity.verify_mac``, as
  the hub's parse of a Response does), and the changed state written out as the processor
  does before its write job (``DeviceStates.rows``: the state's JSON).

First Commands go to Devices never used in this process (no key, certificate, shared secret
or state cached); repeat Commands go to the same Devices again. It prints CPU microseconds
per first and per repeat Command and their ratio; ``--profile`` adds a cProfile breakdown of
the first Commands (top functions by cumulative time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from opendcc.benchmark.hub import BENCH_EUI_BASE, _devices_of, prepare_data
from opendcc.duis import build
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import service_reference_variant
from opendcc.duis.messages import RequestHeader, ServiceRequest, parse_request
from opendcc.eui import Eui64
from opendcc.gbcs.frame import decode_message_with_body
from opendcc.hub.runtime import Hub, HubConfig
from opendcc.roles import UserRole


def _request(supplier: Eui64, device: Eui64, counter: int) -> ServiceRequest:
    variant = service_reference_variant("4.1.1")
    assert variant is not None
    header = RequestHeader(
        RequestId(supplier, device, counter), CommandVariant.NON_CRITICAL_SM_WAN, "4.1", variant
    )
    root = build.request_document(header, build.sr("ReadInstantaneousImportRegisters"))
    parsed = parse_request(etree.tostring(root))
    assert isinstance(parsed, ServiceRequest), parsed
    return parsed


def _one(hub: Hub, supplier: Eui64, eui: Eui64, counter: int) -> Callable[[], None]:
    """The work of one 4.1.1 to ``eui``, as a callable (the request is made beforehand)."""
    request = _request(supplier, eui, counter)
    device = hub.estate.inventory.get_device(eui)
    assert device is not None

    def run() -> None:
        now = datetime.now(UTC)
        spec = hub.pipeline.transform(request, device, UserRole.IMPORT_SUPPLIER, now)
        assert not hasattr(spec, "code"), spec
        command = hub.pipeline.build_command(request, spec)  # type: ignore[arg-type]
        state = hub.states.load(device)
        result = hub.processor.simulator.process(command, state, now)
        assert result.response is not None, result.reason
        message, body = decode_message_with_body(result.response)
        assert hub.security.verify_mac(message, body).valid is True
        hub.states.rows([state])

    return run


def _time(works: list[Callable[[], None]], profile: cProfile.Profile | None) -> float:
    """CPU seconds for all ``works``."""
    start = time.process_time()
    if profile is not None:
        profile.enable()
    for work in works:
        work()
    if profile is not None:
        profile.disable()
    return time.process_time() - start


def _breakdown(first: cProfile.Profile, repeat: cProfile.Profile, count: int) -> None:
    """The functions whose time grows most on a first Command, cumulative (with what they
    call) and own; profiled us per Command, first and repeat (cProfile's overhead inflates
    both, Python code more than C)."""

    def table(profile: cProfile.Profile, column: int) -> dict[str, float]:
        stats: Any = pstats.Stats(profile).stats
        return {
            f"{Path(file).name}:{line}({name})": row[column] / count * 1e6
            for (file, line, name), row in stats.items()
        }

    for title, column, rows in (("cumulative", 3, 30), ("own", 2, 20)):
        firsts, repeats = table(first, column), table(repeat, column)
        extra = sorted(firsts, key=lambda f: firsts[f] - repeats.get(f, 0.0), reverse=True)
        print(f"\n{title + ' time':<64} {'first':>8} {'repeat':>8} {'extra':>8}")
        for name in extra[:rows]:
            again = repeats.get(name, 0.0)
            print(f"{name[:64]:<64} {firsts[name]:8.0f} {again:8.0f} {firsts[name] - again:8.0f}")


async def _run(data: Path, count: int, profile: bool) -> None:
    hub = Hub(HubConfig(data_dir=data, estate="existing", log_level="error"))
    await hub.start()
    try:
        # An ESME is listed once per registration of the supplier: each counted once.
        devices = list(dict.fromkeys(_devices_of(data, [SUPPLIER])[SUPPLIER]))
        if len(devices) < count:
            sys.exit(f"only {len(devices)} ESMEs for the bench supplier; raise --premises")
        devices = devices[:count]
        counter = int(time.time() * 1000)
        first = [_one(hub, SUPPLIER, eui, counter + n) for n, eui in enumerate(devices)]
        repeat = [_one(hub, SUPPLIER, eui, counter + count + n) for n, eui in enumerate(devices)]
        profiler = cProfile.Profile() if profile else None
        repeat_profiler = cProfile.Profile() if profile else None
        # In rounds, each a slice of first Commands then the repeats to the same Devices,
        # so that a change in the machine's load falls on both figures alike.
        first_s = repeat_s = 0.0
        for at in range(0, count, ROUND):
            first_s += _time(first[at : at + ROUND], profiler)
            repeat_s += _time(repeat[at : at + ROUND], repeat_profiler)
        first_us, repeat_us = first_s / count * 1e6, repeat_s / count * 1e6
        print(f"first Command  (n={count}): {first_us:8.0f} us CPU")
        print(f"repeat Command (n={count}): {repeat_us:8.0f} us CPU")
        print(f"ratio first/repeat:        {first_us / repeat_us:8.2f}")
        print(f"extra per first Command:   {first_us - repeat_us:8.0f} us CPU")
        print(f"device credentials: {hub.credentials.cache_info()}", flush=True)
        if profiler is not None and repeat_profiler is not None:
            _breakdown(profiler, repeat_profiler, count)
    finally:
        await hub.stop()


ROUND = 50
SUPPLIER = Eui64(0)  # replaced in main by the bench supplier prepare_data makes


def main() -> None:
    global SUPPLIER  # noqa: PLW0603
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--premises", type=int, default=3000)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--data", type=Path, help="reuse this folder (seeded if empty)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp)
        if not (data / "hub.sqlite").exists():
            started = time.perf_counter()
            SUPPLIER = prepare_data(data, 1, args.premises)[0]
            print(f"seeded {args.premises} premises in {time.perf_counter() - started:.1f} s")
        else:
            SUPPLIER = Eui64(BENCH_EUI_BASE + 1)
        asyncio.run(_run(data, args.count, args.profile))


if __name__ == "__main__":
    main()
