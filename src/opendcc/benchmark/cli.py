"""``opendcc bench``: measure the hub end to end."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer


def bench(
    duration: Annotated[float, typer.Option(help="Seconds of measured load.")] = 20.0,
    streams: Annotated[int, typer.Option(help="Concurrent Users, one ordered stream each.")] = 8,
    premises: Annotated[int, typer.Option(help="Premises in the bench's demo estate.")] = 400,
    port: Annotated[int, typer.Option(help="Port for the hub under test.")] = 18979,
    data: Annotated[Path | None, typer.Option(help="Keep the hub's data here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Signed 4.1.1 requests through the whole hub over HTTP: rps, latency, memory."""
    from opendcc.benchmark.hub import run  # noqa: PLC0415

    def say(message: str) -> None:
        if not as_json:
            typer.echo(message, err=True)

    result = asyncio.run(
        run(duration, streams=streams, premises=premises, port=port, data=data, progress=say)
    )
    if as_json:
        typer.echo(json.dumps(result.to_json()))
        return
    typer.echo(f"requests per second  {result.rps:10.0f}")
    typer.echo(f"p50 latency          {result.p50_ms:10.1f} ms")
    typer.echo(f"p99 latency          {result.p99_ms:10.1f} ms")
    typer.echo(f"peak server memory   {result.peak_rss_mb:10.0f} MB")
    typer.echo(f"server CPU/request   {result.server_cpu_us_per_request:10.0f} us")
    typer.echo(f"primitive floor      {result.floor_us_per_request:10.0f} us")
    typer.echo(f"ratio to the floor   {result.floor_ratio:10.2f}")
    typer.echo(
        f"completed            {result.completed:10d} of {result.requests}"
        f" ({result.errors} errors, {result.streams} streams)"
    )
