"""Every transform family, imported so their ``@transforms`` registrations run."""

from opendcc.transform import (
    config,
    reads,
    reads_events,
    reads_logs,
    security_credentials,
    security_firmware,
    security_han,
    supply,
    supply_auxiliary,
    tariffs,
    tariffs_gas,
    tariffs_prepay,
    tariffs_reads,
)

FAMILIES = (
    config,
    reads,
    reads_events,
    reads_logs,
    security_credentials,
    security_firmware,
    security_han,
    supply,
    supply_auxiliary,
    tariffs,
    tariffs_gas,
    tariffs_prepay,
    tariffs_reads,
)
