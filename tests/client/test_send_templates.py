"""Every critical DUIS reference template through ``opendcc send`` against ``--estate rtds``.

Each template (Command Variant 4) is signed as its own originator with the DCC Boxed keys
and sent to one hub, in file order, as a User's system would: look-ups where the Command
depends on another Device, correlation of the Pre-Command, CV 5, the Device's Response.
A round completes when the signed Pre-Command went back and the asynchronous Response is
I0. Then the 7.13 templates are sent again addressed to the HCALCSs A5 and A6, which the
DCC routes to the ESME A0 (``--via`` A0: the premises also holds the ESME 93).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import pytest
from lxml import etree

from opendcc.client.run import SendError, run_send
from opendcc.estate import rtds
from tests.hub.harness import running_hub
from tests.reference import require_reference

REFUSED: Final = {
    # DUIS makes 7.16 Limit APC Level DCC-only: no User Role may send it (E1 at CV 4);
    # the template's originator is a Load Controller (docs/hub.md).
    "ECS47e_7.16_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML": "CV 4 transform E1",
}
ROUTED: Final = (
    ("ECS47a_7.13_ALCS_DEACTIVATE_SUCCESS_REQUEST_DUIS.XML", rtds.HCALCS),
    ("ECS47a_7.13_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML", rtds.APC),
    ("ECS47a_7.13_APC_INPUT_SUCCESS_REQUEST_DUIS.XML", rtds.APC),
)


def _outcome(report: dict[str, Any]) -> str:
    steps = report["steps"]
    last = steps[-1]
    signed = any(s["step"] in ("CV 5 signed Pre-Command", "CV 6 signed Pre-Command") for s in steps)
    if signed and last["step"] == "asynchronous response" and last.get("code") == "I0":
        return "complete"
    return f"{last['step']} {last.get('code')}"


@pytest.mark.conformance
async def test_every_critical_reference_template_completes(tmp_path: Path) -> None:
    boxed = require_reference("keys", "dccboxed")
    templates = require_reference("duis", "templates")
    critical = [
        path
        for path in sorted(templates.glob("*_REQUEST_DUIS.XML"))
        if (etree.parse(str(path)).getroot().findtext("{*}Header/{*}CommandVariant") or "").strip()
        == "4"
    ]
    runs = [(path, None, None) for path in critical]
    runs += [(templates / name, str(hcalcs), str(rtds.ESME)) for name, hcalcs in ROUTED]
    outcomes: dict[str, str] = {}
    async with running_hub(tmp_path / "hub", estate="rtds", boxed_keys=boxed) as hub:
        for path, target, via in runs:
            root = etree.parse(str(path)).getroot()
            who = (root.findtext("{*}Header/{*}RequestID") or "").split(":")[0]
            try:
                report = await run_send(
                    path,
                    who,
                    hub=hub.base_url,
                    data=hub.hub.config.data_dir,
                    boxed_keys=boxed,
                    target=target,
                    keep_counter=False,
                    wait=20,
                    via=via,
                )
                outcome = _outcome(report)
            except SendError as exc:
                outcome = f"refused: {exc}"
            outcomes[path.name + (f" -> {target}" if target else "")] = outcome
    failed = {name: o for name, o in outcomes.items() if o != "complete"}
    assert failed == REFUSED, failed
    assert len(critical) == 85
    assert sum(o == "complete" for o in outcomes.values()) == 84 + len(ROUTED)
