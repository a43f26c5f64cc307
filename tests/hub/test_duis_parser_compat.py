"""DCC Boxed client compatibility: the published @smartdcc/duis-parser (0.6.0) parses every
answer opendcc sends (run by node; `.ci/run` installs the package)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from opendcc.duis import build
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.inventory.model import DeviceType
from tests.hub.harness import RunningHub, party, request, running_hub
from tests.reference import PROJECT_ROOT, in_ci

NODE_DIR = PROJECT_ROOT / "tests" / "node"


def _node_parser() -> Path:
    script = NODE_DIR / "parse_duis.js"
    missing = (
        shutil.which("node") is None
        or not (NODE_DIR / "node_modules" / "@smartdcc" / "duis-parser").is_dir()
    )
    if missing:
        message = "node or @smartdcc/duis-parser is not installed (run .ci/run)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return script


async def _collect(hub: RunningHub) -> list[tuple[str, bytes]]:
    esme = hub.device_of(DeviceType.ESME)
    sent: list[tuple[str, bytes]] = []
    read = "ReadInstantaneousImportRegisters"
    async with hub.client("supplier-a") as client:
        for label, root in [
            ("I99 acknowledgement", request("4.1.1", read, party("supplier-a"), esme.device_id)),
            ("E12 refusal", request("4.1.1", read, party("supplier-a"), esme.device_id, cv=4)),
            (
                "E19 refusal",
                request("4.1.1", read, party("supplier-a"), Eui64.parse("02-0D-CC-FF-FF-FF-FF-FF")),
            ),
            (
                "8.2 inventory",
                request(
                    "8.2",
                    build.sr("ReadInventory", children=[build.sr("DeviceID", str(esme.device_id))]),
                    party("supplier-a"),
                    DCC_ACCESS_CONTROL_BROKER,
                    cv=8,
                ),
            ),
        ]:
            request_sent, answer = await client.send(root)
            sent.append((label, answer.body))
            if answer.code == "I99":
                final = await hub.receiver.response_for(str(request_sent.header.request_id), 10)
                assert final is not None
                sent.append(("final device response", final.body))
    async with hub.client("supplier-b") as client:
        _, answer = await client.send(request("4.1.1", read, party("supplier-b"), esme.device_id))
        sent.append(("E4 refusal", answer.body))
    return sent


async def test_duis_parser_parses_every_answer(tmp_path: Path) -> None:
    script = _node_parser()
    async with running_hub(tmp_path / "hub") as hub:
        answers = await _collect(hub)
    files = []
    for n, (label, body) in enumerate(answers):
        path = tmp_path / f"{n:02d}.xml"
        path.write_bytes(body)
        files.append((label, path))
    done = subprocess.run(
        ["node", str(script), *(str(p) for _, p in files)],
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        timeout=60,
        check=False,
    )
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(files), done.stderr
    for (label, _), result in zip(files, results, strict=True):
        assert result["ok"], f"{label}: {result.get('error')}"
        assert result["type"] == "response", label
    codes = [r["responseCode"] for r in results]
    assert {"I99", "I0", "E12", "E19", "E4"} <= set(codes), codes
