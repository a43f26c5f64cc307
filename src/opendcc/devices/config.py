"""The configuration family's simulated Devices: importing this module registers the
handlers (``config_dlms``: ESME, CHF, HAN auxiliary controller; ``config_gas``: GSME, GPF)
and the future-dated executors. State: ``config_state``; objects: ``config_cosem``;
alert behaviours: ``config_alerts``; what other families may call: ``config_api``.
"""

from __future__ import annotations

from opendcc.devices import config_api, config_dlms, config_gas

__all__ = ["config_api", "config_dlms", "config_gas"]
