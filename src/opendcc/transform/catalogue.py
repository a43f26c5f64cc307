"""Every transform family, imported so their ``@transforms`` registrations run."""

from opendcc.transform import (
    config,
    reads,
    reads_events,
    reads_logs,
    supply,
    supply_auxiliary,
)

FAMILIES = (config, reads, reads_events, reads_logs, supply, supply_auxiliary)
