from __future__ import annotations

import pytest
from lxml import etree

from opendcc.duis.build import request_document, sr
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import REQUEST_MATRIX
from opendcc.duis.messages import RequestHeader
from opendcc.smki.directory import StaticDirectory
from opendcc.smki.identity import RemotePartyRole
from tests.duis.pki import DCC, DEVICE, SUPPLIER, Party, TestCa, directory_of


@pytest.fixture(scope="session")
def ca() -> TestCa:
    return TestCa()


@pytest.fixture(scope="session")
def supplier(ca: TestCa) -> Party:
    return ca.issue(SUPPLIER, RemotePartyRole.XML_SIGNING)


@pytest.fixture(scope="session")
def dsp(ca: TestCa) -> Party:
    return ca.issue(DCC, RemotePartyRole.DSP_XML_SIGNING)


@pytest.fixture(scope="session")
def directory(supplier: Party, dsp: Party) -> StaticDirectory:
    return directory_of(supplier, dsp)


def read_registers_header(counter: int = 1000) -> RequestHeader:
    variant = REQUEST_MATRIX["4.1.1"]
    return RequestHeader(
        request_id=RequestId(SUPPLIER, DEVICE, counter),
        command_variant=CommandVariant.NON_CRITICAL_SM_WAN,
        service_reference=variant.service_reference,
        variant=variant,
    )


def read_registers(counter: int = 1000) -> etree._Element:
    """An unsigned 4.1.1 Read Instantaneous Import Registers request."""
    return request_document(read_registers_header(counter), sr("ReadInstantaneousImportRegisters"))
