"""Throughput of the GBCS DLMS payload codec: decode, encode, named values and JSON.

Run: ``python bench/gbcs_dlms_codec.py`` (needs ../shared/reference). Payloads are the
reference vectors of a few typical use cases; figures are per payload, single core.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.gbcs.dlms.support import decryptor_for, frame_named

from opendcc.gbcs.dlms.payload import decode, encode

CASES = [
    ("ECS17b response (protected registers)", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"),
    ("ECS17a command (4 gets)", "ECS17a_4.2_SUCCESS_COMMAND_GBCS.HEX"),
    ("ECS17a response", "ECS17a_4.2_SUCCESS_RESPONSE_GBCS.HEX"),
    ("ECS01a command (tariff, 40 sets)", "ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_COMMAND_GBCS.HEX"),
    ("ECS22b response (49 half hours)", "ECS22b_4.8.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"),
    ("ECS35a response (event log)", "ECS35a_6.13_SUCCESS_RESPONSE_GBCS.HEX"),
    ("8F66 alert", "ECS01a_1.1.1_8F66_FUTURE_DATED_TOU_BLOCK_SUCCESS_ALERT_PRICE_MATRIX_GBCS.HEX"),
]


def rate(action: object, seconds: float = 0.5) -> float:
    assert callable(action)
    count = 0
    start = time.perf_counter()
    while True:
        for _ in range(50):
            action()
        count += 50
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def main() -> None:
    columns = ("bytes", "decode/s", "encode/s", "values/s", "json/s")
    print(f"{'payload':42} " + " ".join(f"{c:>10}" for c in columns))
    for label, name in CASES:
        frame = frame_named(name)
        context = frame.context()
        payload = decode(frame.content, context)
        clear = decode(frame.content, frame.context(decryptor_for(frame)))
        print(
            f"{label:42} {len(frame.content):10d}"
            f" {rate(lambda c=context, f=frame: decode(f.content, c)):10.0f}"
            f" {rate(lambda p=payload: encode(p)):10.0f}"
            f" {rate(lambda p=clear: p.values):10.0f}"
            f" {rate(lambda p=clear: json.dumps(p.to_json())):10.0f}"
        )


if __name__ == "__main__":
    main()
