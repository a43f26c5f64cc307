"""Named values of GBZ payloads: what a supplier reads from a Command, Response or Alert.

``payload_values(p)`` returns a JSON-safe dict::

    {"use_case": "GCS13a", "title": "...", "message": "response",
     "outcome": {"success": true, "errors": []},
     "data": {...},          # use-case named values (DUIS names), when the table has them
     "alert": {...},         # for alerts: code, meaning, time, body
     "components": [...]}    # per component: cluster, command, named attributes or fields

It is a view: nothing in it is read back by ``from_json``.
"""

from __future__ import annotations

from opendcc.gbcs.context import Cra
from opendcc.gbcs.gbz.payload import GbzPayload
from opendcc.gbcs.gbz.values.configuration import alert_values
from opendcc.gbcs.gbz.values.generic import component_view, outcome
from opendcc.gbcs.gbz.values.usecases import USE_CASES, UseCase, use_case
from opendcc.gbcs.gbz.values.view import Json, PayloadView

__all__ = ["USE_CASES", "UseCase", "payload_values", "use_case"]


def payload_values(p: GbzPayload) -> dict[str, Json]:
    view = PayloadView(p)
    uc = use_case(p.use_case)
    out: dict[str, Json] = {
        "use_case": p.use_case,
        "title": uc.title if uc else None,
        "message": p.cra.label if p.cra is not None else None,
    }
    if p.cra is not Cra.COMMAND:
        out["outcome"] = outcome(p.components)
    if view.encrypted_unread:
        out["encrypted_components_not_decrypted"] = view.encrypted_unread
    if uc is not None and uc.response is not None and p.cra in (Cra.RESPONSE, Cra.ALERT):
        data = uc.response(view)
        if data is not None:
            out["data"] = data
    if p.alert is not None:
        out["alert"] = alert_values(p.alert)
    out["components"] = [component_view(c, view.scales) for c in p.components]
    return out
