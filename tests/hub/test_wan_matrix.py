"""DUIS 12.1 Request WAN Matrix: the modelled SM WAN coverage of an address."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from opendcc.client.session import SyncAnswer
from opendcc.duis import build
from opendcc.duis.schema import DuisSchema
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
from opendcc.hub import wan_matrix as wan
from opendcc.inventory.model import CspRegion
from tests.hub.harness import party, request, running_hub

NOW = datetime(2026, 11, 29, tzinfo=UTC)


@pytest.mark.parametrize(
    ("postcode", "region"),
    [("EH1 1YZ", CspRegion.NORTH), ("M22 0RR", CspRegion.NORTH), ("B1 1AA", CspRegion.CENTRAL),
     ("LL57 2DG", CspRegion.CENTRAL), ("SW1A 1AA", CspRegion.SOUTH), ("CF10 1AA", CspRegion.SOUTH)],
)  # fmt: skip
def test_the_region_follows_the_post_code_area(postcode: str, region: CspRegion) -> None:
    assert wan.region_of(postcode) is region
    assert wan.region_of(postcode.lower().replace(" ", "")) is region


@pytest.mark.parametrize("bad", ["", "12345", "M22 0R", "SW1A1AAA1", "<M22 0RR>"])
def test_a_string_that_is_no_post_code_is_refused(bad: str) -> None:
    with pytest.raises(wan.WanMatrixRefusalError) as refused:
        wan.region_of(bad)
    assert refused.value.code == "E120102"


def test_coverage_is_the_same_every_time_and_mostly_available() -> None:
    codes = [f"M{n} {d}AB" for n in range(1, 40) for d in range(10)]
    first = [wan.coverage(c, CspRegion.NORTH, NOW) for c in codes]
    assert first == [wan.coverage(c, CspRegion.NORTH, NOW) for c in codes]
    available = [c for c in first if c.available]
    assert 0.9 < len(available) / len(first) < 1.0
    assert {c.technology for c in first} == {"Long Range Radio"}
    for c in first:
        assert c.available == (c.anticipated is None)
        assert (c.likelihood == "Low" and c.available) == (c.auxiliary_equipment is not None)


async def test_wan_matrix_over_http(tmp_path: Path) -> None:
    async with running_hub(tmp_path) as hub, hub.client("supplier-a") as client:
        address = build.sr(
            "PartialAddress",
            children=[build.sr("PostCode", "SW1A 1AA"), build.sr("AddressIdentifier", "1")],
        )
        body = build.sr("RequestWANMatrix", children=[address])
        _, answer = await client.send(
            request("12.1", body, party("supplier-a"), DCC_ACCESS_CONTROL_BROKER, cv=8)
        )
        assert answer.code == "I0", answer.problem
        assert answer.response is not None and answer.response.content is not None
        matrix = answer.response.content
        assert matrix.findtext("{*}DSPWANMatrixResponse/{*}CSPRegion") == "South"
        assert matrix.findtext("{*}Request/{*}PartialAddress/{*}PostCode") == "SW1A 1AA"
        bad = build.sr("RequestWANMatrix", children=[build.sr("UPRN", "999999999999")])
        _, refused = await client.send(
            request("12.1", bad, party("supplier-a"), DCC_ACCESS_CONTROL_BROKER, cv=8)
        )
        assert refused.code == "E120101"


@pytest.mark.conformance
async def test_wan_matrix_echoes_what_it_read(tmp_path: Path, schema: DuisSchema) -> None:
    """A hub without the DUIS schema echoes the address it read, not whatever the body held:
    a duplicated PartialAddress (found by tests/hub/test_signed_fuzz) was echoed twice,
    a schema-invalid Response. Values outside the schema's facets are refused."""

    def partial(postcode: str, identifier: str) -> etree._Element:
        return build.sr(
            "PartialAddress",
            children=[
                build.sr("PostCode", postcode),
                build.sr("AddressIdentifier", identifier),
            ],
        )

    async with running_hub(tmp_path) as hub, hub.client("supplier-a") as client:
        hub.hub.pipeline.schema = None  # as a hub run without OPENDCC_DUIS_SCHEMA_DIR

        async def ask(*children: etree._Element) -> SyncAnswer:
            body = build.sr("RequestWANMatrix", children=list(children))
            _, answer = await client.send(
                request("12.1", body, party("supplier-a"), DCC_ACCESS_CONTROL_BROKER, cv=8)
            )
            assert answer.response is not None, answer.problem
            assert schema.validate(answer.response.root) is None
            return answer

        twice = await ask(partial("SW1A 1AA", "1"), partial("M22 0RR", "2"))
        assert twice.code == "I0"
        assert twice.response is not None and twice.response.content is not None
        echoed = twice.response.content.findall("{*}Request/{*}PartialAddress")
        assert [e.findtext("{*}PostCode") for e in echoed] == ["SW1A 1AA"]
        assert (await ask(partial("M11AA", "1"))).code == "E120102"
        assert (await ask(partial("SW1A 1AA", "x" * 31))).code == "E120101"
        assert (await ask(build.sr("UPRN", "1" * 13))).code == "E120101"
