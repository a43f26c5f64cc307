"""Benchmark: GBZ payload decode, encode and JSON (with named values) per second.

Run as a script: ``.venv/bin/python bench/gbz_codec.py``. It reads the reference vectors
in place (``../shared/reference``) and times representative payloads: a large tariff
Command (GCS01a, 11 components), an encrypted register Response (GCS13a, decrypted with a
precomputed key, as the frame layer's key cache would), a 31-component daily read log
(GCS16a), and an event log (CS10a).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.gbcs.gbz.vectors import read_vector
from tests.reference import REFERENCE_DIR

from opendcc.gbcs.gbz import decode, encode

CASES = {
    "GCS01a tariff command (11 components)": (
        "1.1.1_GCS01a",
        "GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX",
    ),
    "GCS13a encrypted register response": (
        "4.1.1_GCS13a",
        "GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_RESPONSE_GBCS.HEX",
    ),
    "GCS16a daily read log (31 components)": (
        "4.6.1_GCS16a",
        "GCS16a_4.6.1_ERROR_RESPONSE_GBCS.HEX",
    ),
    "CS10a event log response": ("6.13_CS10a", "CS10a_6.13_SUCCESS_RESPONSE_GBCS.HEX"),
}


def rate(fn: Callable[[], object], seconds: float = 1.0) -> float:
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(50):
            fn()
        n += 50
    return n / (time.perf_counter() - start)


def main() -> None:
    if not (REFERENCE_DIR / "gbcs" / "rtds").is_dir():
        sys.exit(f"reference vectors not found under {REFERENCE_DIR}")
    print(f"{'payload':42} {'bytes':>6} {'decode/s':>10} {'encode/s':>10} {'to_json/s':>10}")
    for label, (folder, name) in CASES.items():
        v = read_vector(REFERENCE_DIR / "gbcs" / "rtds" / folder / name)
        context = v.context()  # the decryptor closes over a key derived once
        payload = decode(v.content, context)
        assert encode(payload) == v.content
        d = rate(lambda v=v, context=context: decode(v.content, context))
        e = rate(lambda payload=payload: encode(payload))
        j = rate(lambda payload=payload: payload.to_json(), 0.5)
        print(f"{label:42} {len(v.content):6} {d:10.0f} {e:10.0f} {j:10.0f}")


if __name__ == "__main__":
    main()
