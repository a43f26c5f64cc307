"""Decode and encode speed of the GBCS DER payloads in the RTDS vectors.

Run as a script: ``python bench/gbcs_der_bench.py [rounds]``. Reads the reference vectors
in place (``../shared/reference``), then times, per payload, ``decode`` (typed structure
plus the exact re-encoding check), ``encode``, and the ``named_values`` view (which parses
embedded certificates with ``cryptography``). Prints microseconds per payload.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.gbcs.der.rtds import der_vectors

from opendcc.gbcs.der import decode, encode


def _time(label: str, count: int, work: Callable[[], object]) -> None:
    start = time.perf_counter()
    work()
    elapsed = time.perf_counter() - start
    print(f"{label:<28} {elapsed / count * 1e6:8.1f} us/payload  ({count} payloads)")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    vectors = der_vectors()
    if not vectors:
        raise SystemExit("reference vectors not found (../shared/reference/gbcs/rtds)")
    payloads = [decode(v.payload, v.context) for v in vectors]
    small = [(v, p) for v, p in zip(vectors, payloads, strict=True) if len(v.payload) < 64]
    count = len(vectors) * rounds
    print(f"{len(vectors)} DER payloads, {rounds} rounds")
    _time(
        "decode (all)",
        count,
        lambda: [decode(v.payload, v.context) for _ in range(rounds) for v in vectors],
    )
    _time("encode (all)", count, lambda: [encode(p) for _ in range(rounds) for p in payloads])
    _time(
        "decode (< 64 octets)",
        len(small) * rounds,
        lambda: [decode(v.payload, v.context) for _ in range(rounds) for v, _ in small],
    )
    _time(
        "named_values (all)",
        count,
        lambda: [p.named_values() for _ in range(rounds) for p in payloads],
    )


if __name__ == "__main__":
    main()
