"""Correlation against a running hub: the Pre-Commands the hub issues for every critical
reference template correlate, and a client refuses to sign one the DCC has tampered with.

The hub runs in DCC Boxed mode over the reference estate; each critical template is sent as
its originator (fresh counter) with ``DuisClient.critical``, whose correlation step is
``opendcc.correlate`` with the supplier's knowledge of its premises. A compromised DCC is
simulated by changing what the hub's pipeline returns as the Pre-Command.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from lxml import etree

from opendcc.client.identity import UserIdentity
from opendcc.client.requests import Counter, prepare
from opendcc.client.session import ClientError, DuisClient
from opendcc.client.smki import add_device_certificates
from opendcc.clock import SystemClock
from opendcc.correlate import DeviceFacts, Verdict, correlate
from opendcc.duis.messages import ServiceRequest
from opendcc.duis.signature import SignatureVerifier
from opendcc.eui import Eui64
from opendcc.gbcs import build as gbcs_build
from opendcc.gbcs.frame import GbcsMessage
from opendcc.hub import pipeline
from opendcc.smki.keystore import Keystore
from tests.correlate.support import critical_templates, premises_facts, stem
from tests.hub.harness import running_hub
from tests.reference import require_reference

COUNTERS = Counter()


def _originator(root: etree._Element) -> Eui64:
    text = root.findtext("{*}Header/{*}RequestID") or ""
    return Eui64.parse(text.split(":")[0])


async def _partner_certificates(base_url: str, template: Path) -> Keystore:
    """The join partner's certificates as the hub's SMKI service publishes them."""
    other = etree.parse(str(template)).getroot().findtext(".//{*}OtherDeviceID") or ""
    host, port = base_url.rsplit(":", 1)
    keystore = Keystore()
    async with aiohttp.ClientSession() as session:
        fetched = await add_device_certificates(
            keystore, session, f"{host}:{int(port) + 4}", Eui64.parse(other)
        )
    assert fetched == 2, (template.name, fetched)
    return keystore


@pytest.mark.conformance
async def test_the_hubs_pre_commands_correlate(tmp_path: Path) -> None:
    boxed = require_reference("keys", "dccboxed")
    keys = Keystore.load(boxed)
    facts_keys = Keystore.load(require_reference("gbcs", "keystore"))
    verifier = SignatureVerifier(keys, check_validity=False)
    verdicts: dict[str, Verdict] = {}
    blind: dict[str, Verdict] = {}
    refused: dict[str, str] = {}
    async with running_hub(tmp_path, estate="rtds", boxed_keys=boxed) as hub:
        for template in critical_templates():
            root = prepare(template.read_bytes(), counter=COUNTERS.next(SystemClock().now()))
            originator = _originator(root)
            try:
                identity = UserIdentity.from_keystore(keys, originator)
            except (KeyError, ValueError, LookupError):
                continue  # no XML signing key for this originator in the DCC Boxed set
            # The hub's reference estate has every Device at GBCS 4.1. A join's partner
            # certificates are those of the hub's SMKI repository, which a User fetches
            # from its SMKI service (the DCC puts the SMKI's certificate in the Command).
            known = facts_keys
            if stem(template).startswith("CS03"):
                known = await _partner_certificates(hub.base_url, template)
            facts = premises_facts(known, template, by_template_generation=False)

            def check(
                request: ServiceRequest,
                pre: bytes,
                name: str = stem(template),
                facts: DeviceFacts = facts,
            ) -> str | None:
                verdicts[name] = correlate(request, pre, devices=facts)
                # What ``opendcc send`` and the demo do: no facts about the Devices.
                blind[name] = correlate(request, pre)
                return None if verdicts[name] else verdicts[name].difference

            async with DuisClient(hub.base_url, identity, verifier) as client:
                try:
                    _, first, _ = await client.critical(root, check)
                except ClientError as exc:
                    refused[stem(template)] = str(exc)
                    continue
            if first.code != "I0":
                refused[stem(template)] = f"the hub answered {first.code}"
    print(f"\n{len(verdicts)} Pre-Commands issued by the hub, correlated; refused: {refused}")
    assert len(verdicts) >= 60, (len(verdicts), refused)
    failing = {name: v.difference for name, v in verdicts.items() if not v}
    assert not failing, failing
    # Without facts a client cannot vouch for a join whose partner type it must state (the
    # hub now issues the join Pre-Commands: the reference estate holds the partners); with
    # the supplier's facts (above) every one correlates.
    failing = {name: v.difference for name, v in blind.items() if not v}
    unknown_partner = {
        name
        for name, difference in failing.items()
        if name.startswith("CS03") and "not in the Smart Metering Inventory" in (difference or "")
    }
    assert set(failing) == unknown_partner, failing


@pytest.mark.conformance
async def test_a_tampered_pre_command_is_never_signed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DCC returns a Pre-Command for another Device: the client refuses to sign, and the
    request is never completed (no CV 5 reaches the hub)."""
    boxed = require_reference("keys", "dccboxed")
    keys = Keystore.load(boxed)
    verifier = SignatureVerifier(keys, check_validity=False)
    honest = gbcs_build.pre_command

    def compromised(payload: bytes, **fields: object) -> GbcsMessage:
        fields["recipient"] = Eui64.parse("00-DB-12-34-56-78-90-AF")
        return honest(payload, **fields)  # type: ignore[arg-type]

    template = require_reference("duis", "templates", "ECS43_7.2_SUCCESS_REQUEST_DUIS.XML")
    async with running_hub(tmp_path, estate="rtds", boxed_keys=boxed) as hub:
        monkeypatch.setattr(pipeline.gbcs_build, "pre_command", compromised)
        root = prepare(template.read_bytes(), counter=COUNTERS.next(SystemClock().now()))
        identity = UserIdentity.from_keystore(keys, _originator(root))
        seen: list[Verdict] = []

        def check(request: ServiceRequest, pre: bytes) -> str | None:
            seen.append(correlate(request, pre))
            return None if seen[-1] else seen[-1].difference

        async with DuisClient(hub.base_url, identity, verifier) as client:
            with pytest.raises(ClientError, match="different device"):
                await client.critical(root, check)
    assert seen and not seen[0]
