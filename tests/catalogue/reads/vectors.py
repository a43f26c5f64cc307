"""The reads family's reference Command vectors and the DUIS requests they answer.

A vector with a DUIS template of the same stem is compared against that template's
request. Any other Command vector of the family's folders is still evidence of how a body
maps to bytes: its request is rebuilt here from the DUIS meaning the Command carries (the
read period in its payload, the log it reads, the User behind an ACB Command), and the
transform must give the vector's bytes from that request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from lxml import etree

from opendcc.eui import Eui64
from opendcc.gbcs import message_codes
from opendcc.gbcs.context import Cra, PayloadContext
from opendcc.gbcs.dlms.apdu import AccessRequest, Action, Get
from opendcc.gbcs.dlms.data import DoubleLongUnsigned, OctetString, Structure
from opendcc.gbcs.dlms.datetimes import CosemDateTime, from_gbcs_seconds
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.frame import GbcsMessage, decode_message
from opendcc.gbcs.gbz.payload import GbzPayload
from opendcc.gbcs.gbz.zcl import ClusterCommand
from opendcc.gbcs.payload import decode_payload
from tests.catalogue.reads.harness import (
    ACB,
    certificate_text,
    load_template,
    make_body,
    security,
)
from tests.reference import REFERENCE_DIR

BODY_ELEMENTS: Final[dict[str, str]] = {
    "4.1.1": "ReadInstantaneousImportRegisters",
    "4.1.2": "ReadInstantaneousImportTOUMatrices",
    "4.1.3": "ReadInstantaneousImportTOUWithBlocksMatrices",
    "4.1.4": "ReadInstantaneousImportBlockCounters",
    "4.2": "ReadInstantaneousExportRegisters",
    "4.4.2": "RetrieveCoMOrTariffTriggeredBillingDataLog",
    "4.4.3": "RetrieveBillingCalendarTriggeredBillingDataLog",
    "4.4.4": "RetrieveBillingDataLogDebtPayments",
    "4.4.5": "RetrieveBillingDataLogPrepaymentCredits",
    "4.6.1": "RetrieveImportDailyReadLog",
    "4.6.2": "RetrieveExportDailyReadLog",
    "4.8.1": "ReadActiveImportProfileData",
    "4.8.2": "ReadReactiveImportProfileData",
    "4.8.3": "ReadExportProfileData",
    "4.10": "ReadNetworkData",
    "4.12.1": "ReadMaximumDemandImportRegisters",
    "4.12.2": "ReadMaximumDemandExportRegisters",
    "4.15": "ReadLoadLimitData",
    "4.16": "ReadActivePowerImport",
    "4.17": "RetrieveDailyConsumptionLog",
    "6.13": "ReadEventOrSecurityLog",
    "9.1": "RequestCustomerIdentificationNumber",
    "14.1": "RecordNetworkDataGAS",
}
LOG_TO_READ: Final[dict[str, str]] = {
    "ECS35a": "Event",
    "ECS35b": "Security",
    "ECS35c": "Event",
    "ECS35d": "Security",
    "ECS35e": "PowerEvent",
    "ECS35f": "ALCSEvent",
    "ECS35g": "ALCSEvent",
    "CS10a": "Event",
    "CS10b": "Security",
}
ZIGBEE_EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)
ZIGBEE_LATEST: Final = 0xFFFF_FFFE
FAR_FUTURE: Final = datetime(3000, 12, 31, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CommandVector:
    path: Path
    stem: str
    variant: str
    use_case: str
    message: GbcsMessage

    @property
    def via_acb(self) -> bool:
        return self.message.originator == ACB

    @property
    def user(self) -> Eui64:
        other = self.message.header.other_information
        if self.via_acb and other.supplementary_remote_party is not None:
            return other.supplementary_remote_party
        return self.message.originator

    @property
    def user_counter(self) -> int:
        other = self.message.header.other_information
        if self.via_acb and other.supplementary_remote_party_counter is not None:
            return other.supplementary_remote_party_counter
        return self.message.counter

    @property
    def template_path(self) -> Path:
        return REFERENCE_DIR / "duis" / "templates" / f"{self.stem}_REQUEST_DUIS.XML"


def command_vector_paths(variant: str) -> list[Path]:
    """Every Command (and Pre-Command) vector in the folders of ``variant``."""
    base = REFERENCE_DIR / "gbcs" / "rtds"
    if not base.is_dir():
        return []
    return sorted(
        p for folder in base.glob(f"{variant}_*") for p in folder.glob("*COMMAND_GBCS.HEX")
    )


def load_vector(path: Path) -> CommandVector:
    message = decode_message(bytes.fromhex(path.read_text().strip()))
    name = path.name
    stem = name.removesuffix("_GBCS.HEX").rsplit("_", 1)[0]
    use_case, variant = name.split("_")[:2]
    return CommandVector(path, stem, variant, use_case, message)


def payload_of(vector: CommandVector) -> DlmsPayload | GbzPayload:
    message = vector.message
    code = message_codes.lookup(message.message_code)
    payload = decode_payload(
        message.payload,
        PayloadContext(
            Cra.COMMAND,
            message.message_code,
            code.use_case if code else None,
            message.originator,
            message.recipient,
            message.counter,
            security().decryptor(message.header),
        ),
    )
    assert isinstance(payload, DlmsPayload | GbzPayload)
    return payload


def _cosem(data: object) -> datetime:
    assert isinstance(data, OctetString)
    moment = CosemDateTime.from_bytes(data.value).to_datetime()
    assert moment is not None
    return moment


def _zigbee(seconds: int) -> datetime:
    return FAR_FUTURE if seconds >= ZIGBEE_LATEST else ZIGBEE_EPOCH + timedelta(seconds=seconds)


def period_of(vector: CommandVector) -> tuple[datetime, datetime] | None:
    """The read period a Command carries (the DUIS ReadLogPeriod it was made from)."""
    payload = payload_of(vector)
    if isinstance(payload, DlmsPayload):
        apdu = payload.apdu
        assert isinstance(apdu, AccessRequest)
        for item in apdu.requests:
            if isinstance(item, Get) and item.access is not None:
                params = item.access.parameters
                assert isinstance(params, Structure)
                start, end = params.items[1], params.items[2]
                assert isinstance(start, DoubleLongUnsigned)
                assert isinstance(end, DoubleLongUnsigned)
                return from_gbcs_seconds(start.value), from_gbcs_seconds(end.value)
            if isinstance(item, Action):
                data = item.parameters
                assert isinstance(data, Structure)
                descriptors = data.items[0]
                for descriptor in getattr(descriptors, "items", ()):
                    selection = descriptor.items[4]
                    if getattr(selection.items[0], "value", 0) == 1:
                        start, end = selection.items[1].items
                        return _cosem(start), _cosem(end)
        return None
    component = payload.components[0]
    frame = component.frame
    assert frame is not None
    command = frame.payload
    if not isinstance(command, ClusterCommand):
        return None
    fields = dict(command.fields.items())
    if command.name in ("GetSnapshot", "GetPrepaySnapshot"):
        return _zigbee(int(fields["earliest_start_time"])), _zigbee(int(fields["latest_end_time"]))
    if command.name in ("GetDebtRepaymentLog", "GetTopUpLog"):
        start = component.from_date_time or 0
        return _zigbee(start), _zigbee(int(fields["latest_end_time"]))
    if command.name == "GetEventLog":
        return _zigbee(int(fields["start_time"])), _zigbee(int(fields["end_time"]))
    if command.name == "GetSampledData":
        start = _zigbee(int(fields["earliest_sample_time"]))
        count = int(fields["number_of_samples"])
        step = {0: timedelta(minutes=30), 1: timedelta(days=1)}.get(int(fields["sample_id"]))
        if step is None:  # the network data log: the period does not reach the Command
            return start, start
        return start, start + step * (count - 1)
    return None


def body_from_vector(vector: CommandVector) -> etree._Element:
    """The DUIS body whose transform a Command vector is (see the module docstring)."""
    children: dict[str, str] = {}
    period = period_of(vector)
    if period is not None:
        children["ReadLogPeriod/StartDateTime"] = period[0].strftime("%Y-%m-%dT%H:%M:%SZ")
        children["ReadLogPeriod/EndDateTime"] = period[1].strftime("%Y-%m-%dT%H:%M:%SZ")
    if vector.variant == "6.13":
        children["LogToRead"] = LOG_TO_READ[vector.use_case]
    certificate = vector.message.header.other_information.supplementary_remote_party_ka_certificate
    if certificate is not None:
        children["KAPublicSecurityCredentials"] = certificate_text(certificate)
    return make_body(BODY_ELEMENTS[vector.variant], children)


def template_for(vector: CommandVector) -> etree._Element | None:
    path = vector.template_path
    return load_template(path).body if path.is_file() else None
