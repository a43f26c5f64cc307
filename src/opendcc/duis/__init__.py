"""DUIS, the DCC User Interface Specification: messages, the request matrix, XML signatures.

The package is sans-I/O apart from reading the schema files it is pointed at: bytes and
values in, values out; time is passed in. Bad input gives a ``DuisError`` or a
``SignatureFailure`` value, never an exception. A tour is in ``docs/duis.md``::

    request = parse_request(body_bytes)                     # ServiceRequest | DuisError
    verified = verifier.verify_request(request, now)        # VerifiedSignature | SignatureFailure
    problem = check_request(request)                        # DuisError | None (matrix rules)
    reply = service_response(request.header, ResponseCode.I0, now, gbcs_payload(payload))
    wire = sign_to_bytes(reply, dsp_identity)               # compact, signed
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opendcc.duis.build import (
        acknowledgement,
        dcc_alert_message,
        device_alert_message,
        dsp_schedule_id,
        dsp_scheduled_message,
        gbcs_payload,
        local_command,
        pre_command,
        request_document,
        response_document,
        response_message,
        service_response,
        set_request_counter,
        signed_pre_command,
        sr,
        to_bytes,
    )
    from opendcc.duis.codes import DccAlertCode, ResponseCode
    from opendcc.duis.command_variant import COMMAND_VARIANTS, CommandVariant, ServiceEndpoint
    from opendcc.duis.errors import DuisError, DuisErrorKind
    from opendcc.duis.ids import RequestId, ResponseId, time_based_counter
    from opendcc.duis.matrix import (
        REQUEST_MATRIX,
        FutureDatedPattern,
        ServiceReferenceVariant,
        service_reference_variant,
    )
    from opendcc.duis.messages import (
        RequestHeader,
        ResponseBodyKind,
        ResponseHeader,
        ServiceRequest,
        ServiceResponse,
        check_request,
        parse_message,
        parse_request,
        parse_response,
    )
    from opendcc.duis.parsing import DEFAULT_LIMITS, ParseLimits
    from opendcc.duis.schema import DuisSchema, load_schema, validate
    from opendcc.duis.signature import (
        FailureReason,
        SignatureFailure,
        SignatureVerifier,
        SigningIdentity,
        VerifiedSignature,
        sign,
        sign_to_bytes,
        verify_request,
        verify_response,
    )

__all__ = [
    "COMMAND_VARIANTS",
    "DEFAULT_LIMITS",
    "REQUEST_MATRIX",
    "CommandVariant",
    "DccAlertCode",
    "DuisError",
    "DuisErrorKind",
    "DuisSchema",
    "FailureReason",
    "FutureDatedPattern",
    "ParseLimits",
    "RequestHeader",
    "RequestId",
    "ResponseBodyKind",
    "ResponseCode",
    "ResponseHeader",
    "ResponseId",
    "ServiceEndpoint",
    "ServiceReferenceVariant",
    "ServiceRequest",
    "ServiceResponse",
    "SignatureFailure",
    "SignatureVerifier",
    "SigningIdentity",
    "VerifiedSignature",
    "acknowledgement",
    "check_request",
    "dcc_alert_message",
    "device_alert_message",
    "dsp_schedule_id",
    "dsp_scheduled_message",
    "gbcs_payload",
    "load_schema",
    "local_command",
    "parse_message",
    "parse_request",
    "parse_response",
    "pre_command",
    "request_document",
    "response_document",
    "response_message",
    "service_reference_variant",
    "service_response",
    "set_request_counter",
    "sign",
    "sign_to_bytes",
    "signed_pre_command",
    "sr",
    "time_based_counter",
    "to_bytes",
    "validate",
    "verify_request",
    "verify_response",
]

# Loaded on first use, so that ``opendcc --help`` does not import lxml and cryptography.
_HOMES = {
    "build": (
        "acknowledgement dcc_alert_message device_alert_message dsp_schedule_id"
        " dsp_scheduled_message gbcs_payload local_command pre_command request_document"
        " response_document response_message service_response set_request_counter"
        " signed_pre_command sr to_bytes"
    ),
    "codes": "DccAlertCode ResponseCode",
    "command_variant": "COMMAND_VARIANTS CommandVariant ServiceEndpoint",
    "errors": "DuisError DuisErrorKind",
    "ids": "RequestId ResponseId time_based_counter",
    "matrix": (
        "REQUEST_MATRIX FutureDatedPattern ServiceReferenceVariant service_reference_variant"
    ),
    "messages": (
        "RequestHeader ResponseBodyKind ResponseHeader ServiceRequest ServiceResponse"
        " check_request parse_message parse_request parse_response"
    ),
    "parsing": "DEFAULT_LIMITS ParseLimits",
    "schema": "DuisSchema load_schema validate",
    "signature": (
        "FailureReason SignatureFailure SignatureVerifier SigningIdentity VerifiedSignature"
        " sign sign_to_bytes verify_request verify_response"
    ),
}
_WHERE = {name: module for module, names in _HOMES.items() for name in names.split()}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'opendcc.duis' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"opendcc.duis.{module}"), name)
    globals()[name] = value
    return value
