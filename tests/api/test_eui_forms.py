"""Every admin route reads an EUI-64 in either form a User may type (``90-B3-...`` or
``90b3...``, any case) and looks it up in the DUIS form the hub stores: a lower-case or
compact EUI finds the same requests and deliveries as the upper-case dashed one."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from opendcc.api.admin_models import canonical_eui
from opendcc.inventory.model import DeviceType
from tests.hub.harness import party, request, running_hub

READ = "ReadInstantaneousImportRegisters"


def test_canonical_eui() -> None:
    assert canonical_eui("90b3d51f30000002") == "90-B3-D5-1F-30-00-00-02"
    assert canonical_eui("90-b3-d5-1f-30-00-00-02") == "90-B3-D5-1F-30-00-00-02"
    with pytest.raises(ValueError):
        canonical_eui("90-B3-D5")


async def test_requests_and_deliveries_are_found_by_any_form_of_eui(tmp_path: Path) -> None:
    async with running_hub(tmp_path) as hub:
        esme = hub.device_of(DeviceType.ESME)
        supplier = party("supplier-a")
        async with hub.client("supplier-a") as client:
            sent, answer = await client.send(request("4.1.1", READ, supplier, esme.device_id))
        assert answer.code == "I99"
        assert await hub.hub.deliverer.drained(5)
        dashed = str(supplier)
        forms = (dashed, dashed.lower(), dashed.replace("-", ""), dashed.replace("-", "").lower())
        target = str(esme.device_id).replace("-", "").lower()
        async with aiohttp.ClientSession() as http:
            for form in forms:
                async with http.get(
                    f"{hub.base_url}/admin/v1/requests",
                    params={"originator": form, "target": target},
                ) as reply:
                    assert reply.status == 200, form
                    found = [r["request_id"] for r in await reply.json()]
                assert found == [str(sent.header.request_id)], form
                async with http.get(
                    f"{hub.base_url}/admin/v1/deliveries", params={"recipient": form}
                ) as reply:
                    assert reply.status == 200, form
                    assert [d["recipient"] for d in await reply.json()] == [dashed], form
                async with http.post(f"{hub.base_url}/admin/v1/deliveries/release/{form}") as reply:
                    assert reply.status == 200, form
            async with http.get(
                f"{hub.base_url}/admin/v1/requests", params={"originator": "90-B3-D5"}
            ) as reply:
                assert reply.status == 422
