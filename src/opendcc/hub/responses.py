"""The hub's answers as signed DUIS documents.

Every DUIS document the hub sends is signed with the DCC's DSP XML-signing identity, the
acknowledgements (I99) and error responses included: DCC Boxed signs them, and DCC Boxed
clients (e.g. the Node-RED nodes, via the signing tool) validate the signature of every
synchronous answer before reading it.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from opendcc.duis import build
from opendcc.duis.codes import DccAlertCode, ResponseCode
from opendcc.duis.messages import RequestHeader, ResponseHeader
from opendcc.duis.signature import SigningIdentity, sign_to_bytes

GBCS_VERSION = "4.0"
"""The GBCS version DUIS PreCommands declare (``GBCSVersion``)."""


class ResponseSigner:
    """Builds and signs the hub's DUIS answers with one identity."""

    def __init__(self, identity: SigningIdentity) -> None:
        self.identity = identity

    def sign(self, root: etree._Element) -> bytes:
        return sign_to_bytes(root, self.identity)

    def acknowledgement(self, header: RequestHeader, code: ResponseCode, at: datetime) -> bytes:
        """I99, or an error code, carrying only the RequestID."""
        return self.sign(build.acknowledgement(header, code, at))

    def result(
        self,
        header: RequestHeader,
        code: ResponseCode,
        at: datetime,
        content: etree._Element | None = None,
        *,
        with_response_id: bool = True,
    ) -> bytes:
        return self.sign(
            build.service_response(header, code, at, content, with_response_id=with_response_id)
        )

    def gbcs_response(self, header: RequestHeader, at: datetime, gbcs: bytes) -> bytes:
        """The final answer to a device request: I0 with the Device's GBCS Response."""
        return self.result(header, ResponseCode.I0, at, build.gbcs_payload(gbcs))

    def pre_command(self, header: RequestHeader, at: datetime, pre_command: bytes) -> bytes:
        return self.result(
            header,
            ResponseCode.I0,
            at,
            build.pre_command(GBCS_VERSION, pre_command),
            with_response_id=False,
        )

    def local_command(self, header: RequestHeader, at: datetime, command: bytes) -> bytes:
        return self.result(
            header, ResponseCode.I0, at, build.local_command(command), with_response_id=False
        )

    def device_alert(self, alert_code: int, gbcs: bytes, at: datetime) -> bytes:
        root = build.response_document(
            ResponseHeader(ResponseCode.I0, at), build.device_alert_message(alert_code, gbcs)
        )
        return self.sign(root)

    def dcc_alert(self, code: DccAlertCode, alert: etree._Element, at: datetime) -> bytes:
        root = build.response_document(
            ResponseHeader(ResponseCode.I0, at), build.dcc_alert_message(code, alert)
        )
        return self.sign(root)
