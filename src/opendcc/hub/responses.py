"""The hub's answers as signed DUIS documents.

Every DUIS document the hub sends is signed with the DCC's DSP XML-signing identity, the
acknowledgements (I99) and error responses included: DCC Boxed signs them, and DCC Boxed
clients (e.g. the Node-RED nodes, via the signing tool) validate the signature of every
synchronous answer before reading it.

The documents the hub sends on every request are built as canonical text and signed as
they stand (``duis.build.*_text``, ``duis.signature.sign_canonical_text``): no XML tree, no
canonicalisation, no second serialisation. Rarer documents (non-device results with
structured content) go through the tree builders.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from opendcc.duis import build
from opendcc.duis.codes import DccAlertCode, ResponseCode
from opendcc.duis.messages import RequestHeader, ResponseHeader
from opendcc.duis.signature import SigningIdentity, sign_canonical_text, sign_to_bytes

GBCS_VERSION = "4.0"
"""The GBCS version DUIS PreCommands declare (``GBCSVersion``)."""


class ResponseSigner:
    """Builds and signs the hub's DUIS answers with one identity."""

    def __init__(self, identity: SigningIdentity) -> None:
        self.identity = identity

    def _signed(self, text: str) -> bytes:
        return sign_canonical_text(text, self.identity)

    def acknowledgement(self, header: RequestHeader, code: ResponseCode, at: datetime) -> bytes:
        """I99, or an error code, carrying only the RequestID."""
        return self._signed(build.response_text(header, code, at, with_response_id=False))

    def error(self, header: RequestHeader, code: ResponseCode, at: datetime) -> bytes:
        """The final answer to a device request that failed (E20, E21, ...)."""
        return self._signed(build.response_text(header, code, at))

    def gbcs_response(self, header: RequestHeader, at: datetime, gbcs: bytes) -> bytes:
        """The final answer to a device request: I0 with the Device's GBCS Response."""
        content = build.gbcs_payload_text(gbcs)
        return self._signed(build.response_text(header, ResponseCode.I0, at, content))

    def pre_command(self, header: RequestHeader, at: datetime, pre_command: bytes) -> bytes:
        content = build.pre_command_text(GBCS_VERSION, pre_command)
        return self._signed(
            build.response_text(header, ResponseCode.I0, at, content, with_response_id=False)
        )

    def local_command(self, header: RequestHeader, at: datetime, command: bytes) -> bytes:
        content = build.local_command_text(command)
        return self._signed(
            build.response_text(header, ResponseCode.I0, at, content, with_response_id=False)
        )

    def device_alert(self, alert_code: int, gbcs: bytes, at: datetime) -> bytes:
        return self._signed(build.device_alert_text(alert_code, gbcs, at))

    def result(
        self,
        header: RequestHeader,
        code: ResponseCode,
        at: datetime,
        content: etree._Element | None = None,
        *,
        with_response_id: bool = True,
    ) -> bytes:
        """A result with structured content (non-device requests), via the tree builders."""
        return sign_to_bytes(
            build.service_response(header, code, at, content, with_response_id=with_response_id),
            self.identity,
        )

    def dcc_alert(self, code: DccAlertCode, alert: etree._Element, at: datetime) -> bytes:
        root = build.response_document(
            ResponseHeader(ResponseCode.I0, at), build.dcc_alert_message(code, alert)
        )
        return sign_to_bytes(root, self.identity)
