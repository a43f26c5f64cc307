"""opendcc's request matrix, Command Variant rules and code lists against DUIS's own data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from opendcc.duis.codes import DccAlertCode, ResponseCode
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.matrix import REQUEST_MATRIX, FutureDatedPattern
from opendcc.duis.messages import ServiceRequest, check_request, parse_request
from opendcc.roles import UserRole
from tests.reference import require_reference

pytestmark = pytest.mark.conformance

XS = {"xs": "http://www.w3.org/2001/XMLSchema"}


@pytest.fixture(scope="module")
def reference_matrix() -> list[dict[str, Any]]:
    path = require_reference("duis", "request-matrix.json")
    rows: list[dict[str, Any]] = json.loads(path.read_text())
    return rows


@pytest.fixture(scope="module")
def schema() -> etree._ElementTree:
    return etree.parse(str(require_reference("duis", "xsd", "DUIS Schema V5.4.xsd")))


def _enumeration(schema: etree._ElementTree, type_name: str) -> list[str]:
    node = schema.find(f".//xs:simpleType[@name='{type_name}']", XS)
    assert node is not None
    return [e.get("value", "") for e in node.iter("{*}enumeration")]


def _yes(value: str) -> bool:
    assert value in {"Yes", "No"}
    return value == "Yes"


def test_every_variant_matches_the_reference_matrix(reference_matrix: list[dict[str, Any]]) -> None:
    assert [r["Service Reference Variant"] for r in reference_matrix] == list(REQUEST_MATRIX)
    for row in reference_matrix:
        ours = REQUEST_MATRIX[row["Service Reference Variant"]]
        assert ours.name == " ".join(row["Service Request Name"].split())
        assert ours.critical == _yes(row["Critical"])
        assert ours.on_demand == _yes(row["On Demand"])
        assert ours.dcc_scheduled == _yes(row["DCC Scheduled"])
        assert ours.non_device == _yes(row["Non-Device Request"])
        assert ours.future_dated is FutureDatedPattern(row["Future Dated Response Pattern"])
        assert ours.eligible_roles == {UserRole(r) for r in row["Eligible User Roles"]}


def test_service_references_correct_the_6_20_slip(reference_matrix: list[dict[str, Any]]) -> None:
    slips = {
        r["Service Reference Variant"]: r["Service Reference"]
        for r in reference_matrix
        if r["Service Reference"]
        != REQUEST_MATRIX[r["Service Reference Variant"]].service_reference
    }
    assert slips == {"6.20.1": "6.2", "6.20.2": "6.2"}
    assert REQUEST_MATRIX["6.20.1"].service_reference == "6.20"


def test_variants_and_service_references_are_the_schemas(schema: etree._ElementTree) -> None:
    assert _enumeration(schema, "ServiceReferenceVariant") == list(REQUEST_MATRIX)
    references = _enumeration(schema, "ServiceReference")
    assert sorted({v.service_reference for v in REQUEST_MATRIX.values()}) == sorted(references)


def test_body_elements_are_the_schemas_request_body_choice(schema: etree._ElementTree) -> None:
    choice = schema.find(
        ".//xs:complexType[@name='Request']//xs:element[@name='Body']//xs:choice", XS
    )
    assert choice is not None
    names = [e.get("name") for e in choice.findall("xs:element", XS)]
    assert sorted(names) == sorted(
        [v.body_element for v in REQUEST_MATRIX.values()] + ["SignedPreCommand"]
    )


def test_command_variants_agree_with_the_schema_comments_but_for_its_7_12_slip(
    schema: etree._ElementTree,
) -> None:
    """The schema notes each variant's Command Variants in a comment after it. For 7.12 to
    7.15 those comments are shifted by a row; the matrix and the templates agree with opendcc."""
    restriction = schema.find(
        ".//xs:simpleType[@name='ServiceReferenceVariant']/xs:restriction", XS
    )
    assert restriction is not None
    noted: dict[str, frozenset[CommandVariant]] = {}
    current = None
    for node in restriction:
        if isinstance(node.tag, str):
            current = node.get("value")
        elif current is not None and node.text and "CV =" in node.text:
            values = node.text.split("=", 1)[1].split(",")
            noted[current] = frozenset(CommandVariant(int(v)) for v in values)
    assert set(noted) == set(REQUEST_MATRIX)
    disagreements = {
        code for code, cvs in noted.items() if cvs != REQUEST_MATRIX[code].command_variants
    }
    assert disagreements == {"7.12", "7.13", "7.14", "7.15"}


@pytest.fixture(scope="module")
def templates() -> list[ServiceRequest]:
    folder = require_reference("duis", "templates")
    parsed = [parse_request(p.read_bytes()) for p in sorted(Path(folder).iterdir())]
    assert all(isinstance(p, ServiceRequest) for p in parsed)
    return [p for p in parsed if isinstance(p, ServiceRequest)]


def test_every_template_fits_the_matrix(templates: list[ServiceRequest]) -> None:
    assert len(templates) >= 200
    for request in templates:
        assert check_request(request) is None, request.header
    # The templates cover most variants; 7.13 (critical) and 7.14/7.15 (not) settle the
    # schema comments' slip.
    seen = {r.header.variant.code: r.header.command_variant for r in templates}
    assert seen["7.13"] is CommandVariant.CRITICAL_TRANSFORM
    assert seen["7.14"] is CommandVariant.NON_CRITICAL_SM_WAN
    assert seen["7.15"] is CommandVariant.NON_CRITICAL_SM_WAN
    assert len(seen) >= 110


def test_response_and_dcc_alert_codes_are_the_schemas(schema: etree._ElementTree) -> None:
    assert [c.value for c in ResponseCode] == _enumeration(schema, "ResponseCode")
    assert len(ResponseCode) == 194
    alert = schema.find(".//xs:complexType[@name='DCCAlertMessage']", XS)
    assert alert is not None
    assert [c.value for c in DccAlertCode] == [e.get("value") for e in alert.iter("{*}enumeration")]


def test_command_variant_values_are_the_schemas(schema: etree._ElementTree) -> None:
    # The schema's 9 is internal to the DCC and not a Service Request's.
    assert [int(v) for v in _enumeration(schema, "CommandVariant")] == [*range(1, 9), 9]
    assert [int(cv) for cv in CommandVariant] == list(range(1, 9))
