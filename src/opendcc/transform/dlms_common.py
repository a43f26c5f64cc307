"""DLMS building blocks many ESME transforms share."""

from __future__ import annotations

from opendcc.eui import Eui64
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import Action
from opendcc.gbcs.dlms.data import Enum, Integer, LongUnsigned, NullData

_NO_SELECTION = b.structure(Enum(0), NullData())


def protected_get(
    method_obis: str,
    protected: list[tuple[int, str, int]],
    counter: int,
    originator: Eui64,
    recipient: Eui64,
) -> Action:
    """A GBCS protected read (GBCS 7.3.2): ``get_protected_attributes`` (class 30, method 1)
    on ``method_obis`` for the (class, OBIS, attribute) list, with the protection parameters
    that ask the Device to encrypt its answer for ``originator``."""
    descriptors = b.array(
        b.structure(
            LongUnsigned(class_id), b.obis(obis), Integer(attribute), LongUnsigned(0), _NO_SELECTION
        )
        for class_id, obis, attribute in protected
    )
    parameters = b.protection_parameters(counter, originator, recipient)
    return b.action(30, method_obis, 1, b.structure(descriptors, parameters))
