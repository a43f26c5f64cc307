"""GBCS codec throughput on one core: messages per second for a typical Response.

Run: ``python bench/gbcs_bench.py [--seconds 2] [--keystore DIR] [--vector FILE]``.
By default it reads the 4.1.1 (ECS17b) Response and the reference keystore from the shared
reference data beside the checkout (``OPENDCC_REFERENCE_DIR`` overrides).

Figures:
- decode + MAC check: frame decode and MAC verification (the hub's per-message check);
- decode + MAC + payload: the same plus the payload codec (whichever is installed) and
  decryption of the encrypted register block;
- encode + MAC: build the grouping header, compute the MAC, write the bytes;
- decode + MAC, ECDH per message: the check without the shared-secret cache, to show what
  the cache saves.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

from opendcc.gbcs.codec import decode
from opendcc.gbcs.crypto import SharedSecrets
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.keystore import Keystore

REFERENCE = Path(
    os.environ.get(
        "OPENDCC_REFERENCE_DIR", Path(__file__).resolve().parents[2] / "shared" / "reference"
    )
)
DEFAULT_VECTOR = REFERENCE / "gbcs/rtds/4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"


def rate(work: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``work`` over about ``seconds``."""
    for _ in range(50):  # warm caches and the interpreter
        work()
    calls, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(100):
            work()
        calls += 100
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--keystore", type=Path, default=REFERENCE / "gbcs/keystore")
    parser.add_argument("--vector", type=Path, default=DEFAULT_VECTOR)
    args = parser.parse_args()

    data = bytes.fromhex(args.vector.read_text().strip())
    keystore = Keystore.load(args.keystore)
    security = GbcsSecurity(keystore)
    message = decode_message(data)
    assert security.verify_mac(message).valid is True, "the vector's MAC must check out"
    unsealed = message.with_mac(None)

    def check() -> None:
        result = decode(data, security, decode_payload_content=False)
        assert result.mac.valid is True

    def full() -> None:
        decode(data, security)

    def build() -> None:
        security.seal(unsealed).encode()

    def cold() -> None:
        fresh = GbcsSecurity(keystore, shared_secrets=SharedSecrets())
        assert fresh.verify_mac(decode_message(data)).valid is True

    payload_format = decode(data, security).payload.to_json()["format"]
    print(f"vector: {args.vector.name} ({len(data)} bytes, payload {payload_format})")
    for label, work in (
        ("decode + MAC check", check),
        ("decode + MAC + payload", full),
        ("encode + MAC", build),
        ("decode + MAC, ECDH per message", cold),
    ):
        print(f"{label:32s} {rate(work, args.seconds):10,.0f} msg/s")


if __name__ == "__main__":
    main()
