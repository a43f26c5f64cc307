"""``opendcc bench --json``: the figures scripts and CI read, and nothing else on stdout."""

from __future__ import annotations

import json
import socket
import subprocess
import sys


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_bench_json_keeps_its_keys() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "opendcc",
            "bench",
            "--duration",
            "1",
            "--streams",
            "2",
            "--premises",
            "20",
            "--port",
            str(_free_port()),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # one JSON object: no progress output mixed in
    keys = ("rps", "p50_ms", "p99_ms", "peak_rss_mb", "floor_ratio", "client_cpu_us_per_request")
    for key in keys:
        assert isinstance(result[key], int | float) and result[key] > 0, key
    assert result["completed"] == result["requests"] > 0
    assert result["errors"] == 0
    assert result["p50_ms"] <= result["p99_ms"]
