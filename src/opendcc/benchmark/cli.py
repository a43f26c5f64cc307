"""``opendcc bench``: measure the hub end to end."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from opendcc.benchmark.hub import BenchResult


def bench(
    duration: Annotated[float, typer.Option(help="Seconds of measured load.", min=0.1)] = 20.0,
    streams: Annotated[
        int, typer.Option(help="Concurrent Users, one ordered stream each.", min=1)
    ] = 8,
    premises: Annotated[
        int, typer.Option(help="Premises in the bench's demo estate.", min=1)
    ] = 400,
    port: Annotated[
        int, typer.Option(help="Port for the hub under test.", min=1, max=65531)
    ] = 18979,
    data: Annotated[Path | None, typer.Option(help="Keep the hub's data here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Signed 4.1.1 requests through the whole hub over HTTP: rps, latency, memory."""
    from opendcc.benchmark.hub import run  # noqa: PLC0415
    from opendcc.cli_checks import local_hub_problem  # noqa: PLC0415

    problem = local_hub_problem(data, port)
    if problem is not None:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)

    def measure(
        say: Callable[[str], None] | None, meter: Callable[[float, float], None] | None
    ) -> BenchResult:
        return asyncio.run(
            run(
                duration,
                streams=streams,
                premises=premises,
                port=port,
                data=data,
                progress=say,
                meter=meter,
            )
        )

    console = Console(stderr=True)
    if as_json:
        result = measure(None, None)
    elif not console.is_terminal:
        result = measure(lambda message: typer.echo(message, err=True), None)
    else:
        # On a terminal: one bar per phase (issue 4: progress bars on long work).
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            current: list[TaskID] = []

            def finish() -> None:
                if current:
                    total = bar.tasks[current[-1]].total or 1
                    bar.update(current[-1], total=total, completed=total)

            def say(message: str) -> None:
                finish()
                current.append(bar.add_task(message, total=None))

            def meter(done: float, total: float) -> None:
                if current:
                    bar.update(current[-1], completed=done, total=total)

            result = measure(say, meter)
            finish()
    if as_json:
        typer.echo(json.dumps(result.to_json()))
        return
    typer.echo(f"requests per second  {result.rps:10.0f}")
    typer.echo(f"p50 latency          {result.p50_ms:10.1f} ms")
    typer.echo(f"p99 latency          {result.p99_ms:10.1f} ms")
    typer.echo(f"peak server memory   {result.peak_rss_mb:10.0f} MB")
    typer.echo(f"server CPU/request   {result.server_cpu_us_per_request:10.0f} us")
    typer.echo(f"client CPU/request   {result.client_cpu_us_per_request:10.0f} us")
    typer.echo(f"primitive floor      {result.floor_us_per_request:10.0f} us")
    typer.echo(f"ratio to the floor   {result.floor_ratio:10.2f}")
    typer.echo(
        f"completed            {result.completed:10d} of {result.requests}"
        f" ({result.errors} errors, {result.streams} streams)"
    )
