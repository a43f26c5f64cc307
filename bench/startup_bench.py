"""Hub start-up on a large estate, measured as whole processes.

Run as a script: ``python bench/startup_bench.py [--premises 100000] [--runs 3] [--data DIR]``.

What the figures answer (issue 4: "seeding 100,000 premises takes under a minute and the
server then starts in under 5 s"):

- ``seed``: the wall time of a first ``opendcc serve --estate demo --premises N`` from
  process start until ``/healthz`` answers 200: the PKI, the seeding of N premises through
  the database's writer thread, and the hub's start.
- ``start``: the wall time of later ``opendcc serve`` runs on that same data directory (the
  estate is there, nothing is seeded) from process start until ``/healthz`` answers 200:
  interpreter and imports, opening the database and the estate, recovering the journal,
  starting the servers. The median of ``--runs`` starts, with min and max.

Each server is stopped with SIGTERM after it answers; the figures are wall seconds of the
child process as a User would see them (``opendcc serve`` started by hand).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def time_to_healthy(data: Path, premises: int, timeout: float) -> float:
    """Seconds from starting ``opendcc serve`` until its /healthz answers 200."""
    port = free_port()
    command = [sys.executable, "-m", "opendcc", "serve", "--data", str(data)]
    command += ["--port", str(port), "--estate", "demo", "--premises", str(premises)]
    command += ["--log-level", "warning"]
    started = time.perf_counter()
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        while time.perf_counter() - started < timeout:
            if server.poll() is not None:
                raise SystemExit(f"opendcc serve exited: {server.stderr.read().decode()}")
            try:
                with urllib.request.urlopen(url, timeout=1) as reply:
                    if reply.status == 200:
                        return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.02)
        raise SystemExit(f"not healthy within {timeout:.0f} s")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--premises", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, help="Data directory (kept); default a temp one.")
    args = parser.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="opendcc-startup-"))
    try:
        seeded = time_to_healthy(data, args.premises, timeout=600)
        size = (data / "hub.sqlite").stat().st_size / 1e6
        print(f"seed {args.premises} premises and start (first serve)   {seeded:8.2f} s")
        print(f"database size                                        {size:8.1f} MB")
        starts = [time_to_healthy(data, args.premises, timeout=120) for _ in range(args.runs)]
        print(
            f"start on the seeded estate (median of {args.runs})             "
            f"{statistics.median(starts):8.2f} s  (min {min(starts):.2f}, max {max(starts):.2f})"
        )
    finally:
        if args.data is None:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
