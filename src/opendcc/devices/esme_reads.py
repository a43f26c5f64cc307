"""ESME answers to reads: registers advance with the consumption model."""

from __future__ import annotations

from opendcc.devices.consumption import ConsumptionModel
from opendcc.devices.simulator import DeviceCommand, DeviceContext, DeviceReply, handles
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import AccessRequest
from opendcc.gbcs.dlms.axdr import encode_data
from opendcc.gbcs.dlms.data import DoubleLongUnsigned, EncryptedOctetString
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.gbcs.dlms.units import Unit
from opendcc.inventory.model import Fuel

REACTIVE_SHARE = 0.12
"""Reactive import as a share of active import for a domestic load (power factor ~0.99)."""


def _request(command: DeviceCommand) -> AccessRequest:
    payload = command.payload
    assert isinstance(payload, DlmsPayload) and isinstance(payload.apdu, AccessRequest)
    return payload.apdu


@handles("ECS17b")
def import_registers(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """Active and reactive import registers, encrypted for the requesting Remote Party."""
    request = _request(command)
    model = ConsumptionModel.for_meter(context.device.device_id, Fuel.ELECTRICITY)
    active = int(model.register_wh(context.now)) & 0xFFFFFFFF
    reactive = int(active * REACTIVE_SHARE) & 0xFFFFFFFF
    registers = b.structure(
        b.structure(
            DoubleLongUnsigned(active),
            b.scaler_unit(0, Unit.WATT_HOUR),
            DoubleLongUnsigned(reactive),
            b.scaler_unit(0, Unit.VAR_HOUR),
        )
    )
    block = context.encrypt_for(command.remote_party, command.counter, encode_data(registers))
    parameters = b.protection_parameters(
        command.counter, context.device.device_id, command.remote_party
    )
    result = b.protected_read_result(parameters, EncryptedOctetString.parse(block))
    response = b.access_response_for(request, [result])
    return DeviceReply(encode_dlms(b.payload(response)))
