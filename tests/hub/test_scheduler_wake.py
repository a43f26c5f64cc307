"""The processor's scheduler (Device wakes, DSP-held requests, DCC Scheduled Services) looks
again at once when a saved Device state wants waking before its next look.

The scheduler sleeps until the earliest work it knows of, at most 5 s. A Device state saved
meanwhile with an earlier ``next_wake`` must cut that sleep short, or the Device is woken up
to 5 s late: the Communications Hub that passed a PPMID its image (11.4) reports the
transfer in a CCS08 Alert "when next woken", which it asks to be at once; a Device-held
future-dated 11.3 Activate Firmware is to run at its ExecutionDateTime. Each test first has
the scheduler look (so that its next look is about 5 s away) and then expects the Device's
wake well before that.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from opendcc.client.identity import UserIdentity
from opendcc.client.session import DuisClient
from opendcc.devices.security_firmware import Firmware
from opendcc.duis import build
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.inventory.model import DeviceType
from tests.hub.harness import RunningHub, non_device, party, request, retarget, running_hub
from tests.hub.test_nondevice_more import ota_image
from tests.reference import require_reference

SUPPLIER = "supplier-a"
PROMPT = 1.5
"""Seconds within which the wake must come: well under the scheduler's 5 s poll."""


async def _scheduler_just_looked(hub: RunningHub) -> None:
    """Have the scheduler look now, so that (nothing else being due) it sleeps ~5 s."""
    hub.hub.processor.wake()
    await asyncio.sleep(0.2)


async def _within(seconds: float, done: Callable[[], bool]) -> float | None:
    """Seconds until ``done()`` holds, polled every 20 ms; None if not within ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if done():
            return time.monotonic() - start
        await asyncio.sleep(0.02)
    return None


async def test_the_hub_reports_an_11_4_transfer_at_once(tmp_path: Path) -> None:
    """11.4 Update PPMID Firmware: the PPMID's Communications Hub asks to be woken now;
    its CCS08 Alert (8F8A) is raised within PROMPT seconds, not at the next 5 s poll."""
    boxed = require_reference("keys", "dccboxed")
    template = require_reference("duis", "templates", "11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML")
    supplier = Eui64.parse("90-B3-D5-1F-30-01-00-00")
    chf = "00-DB-12-34-56-78-90-A2"
    async with running_hub(tmp_path, estate="rtds", boxed_keys=boxed) as hub:
        identity = UserIdentity.from_keystore(hub.hub.keystore, supplier)

        def reported() -> bool:
            row = (
                hub.hub.db.reader()
                .execute(
                    "SELECT count(*) FROM events WHERE kind = 'device_alert'"
                    " AND originator = ? AND code = '8F8A'",
                    (chf,),
                )
                .fetchone()
            )
            return bool(row and row[0])

        await _scheduler_just_looked(hub)
        async with DuisClient(hub.base_url, identity, hub.verifier) as client:
            _, answer = await client.send(retarget(template, supplier, DCC_ACCESS_CONTROL_BROKER))
        assert answer.code == "I0", answer.problem
        took = await _within(PROMPT, reported)
        assert took is not None, "the Communications Hub was not woken at once (CCS08)"


async def test_a_future_dated_activation_runs_on_time(tmp_path: Path) -> None:
    """11.3 Activate Firmware held on the ESME until 1 to 2 s from now (GBCS CS06 with an
    execution date-time, held by the Device): its state is saved with that wake while the
    scheduler sleeps ~5 s; the activation runs on time, within 1 s."""
    async with running_hub(tmp_path) as hub:
        esme = hub.device_of(DeviceType.ESME)
        image = ota_image(b"firmware activated on time " * 8)
        update = build.sr(
            "UpdateFirmware",
            children=[
                build.sr("FirmwareImage", base64.b64encode(image).decode()),
                build.sr("FirmwareVersion", "0A0B0C0D"),
                build.sr("DeviceIDList", str(esme.device_id)),
            ],
        )
        distributed = await non_device(hub, "11.1", update, SUPPLIER)
        assert distributed.code == "I0", distributed.problem

        await _scheduler_just_looked(hub)
        at = (hub.hub.clock.now() + timedelta(seconds=2)).replace(microsecond=0)
        body = build.sr(
            "ActivateFirmware",
            children=[
                build.sr("ExecutionDateTime", at.isoformat().replace("+00:00", "Z")),
                build.sr("FirmwareHash", hashlib.sha256(image).hexdigest().upper()),
            ],
        )
        async with hub.client(SUPPLIER) as client:
            _, transformed, signed = await client.critical(
                request("11.3", body, party(SUPPLIER), esme.device_id, cv=4), None
            )
        assert transformed.code == "I0", transformed.problem
        assert signed is not None and signed.code == "I99", signed

        def activated() -> bool:
            return hub.hub.states.load(esme).get(Firmware).active_version == "0A0B0C0D"

        # Due 1 to 2 s from the scheduler's last look, i.e. 3 to 4 s before its next poll.
        due_in = (at - hub.hub.clock.now()).total_seconds()
        took = await _within(max(due_in, 0.0) + 1.0, activated)
        assert took is not None, "the held activation did not run on time"
