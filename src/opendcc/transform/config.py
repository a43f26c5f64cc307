"""The configuration family: messages and access (DUIS 3.x) and device configuration
(DUIS 6.x: reads 6.2, writes 6.4 to 6.27, the CHF sub-GHz requests 6.28 to 6.32).

Importing this module registers every transform of the family; ``docs/catalogue-config.md``
lists them with their GBCS use cases. The modules:

- ``config_common``: message codes, ACB routing, date-time encodings, refusals;
- ``config_select``: which use case serves a request when DUIS leaves it to the DCC;
- ``config_messages`` (3.1 to 3.5), ``config_reads`` (6.2.x), ``config_writes`` (6.4 to
  6.27 but 6.14 and 6.22), ``config_alcs`` (6.14.x), ``config_alerts`` (6.22),
  ``config_subghz`` (6.28 to 6.32).
"""

from __future__ import annotations

from opendcc.transform import (
    config_alcs,
    config_alerts,
    config_messages,
    config_reads,
    config_subghz,
    config_writes,
)

__all__ = [
    "config_alcs",
    "config_alerts",
    "config_messages",
    "config_reads",
    "config_subghz",
    "config_writes",
]
