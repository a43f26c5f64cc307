"""Every simulated-device family, imported so their ``@handles`` registrations run."""

from opendcc.devices import (
    config,
    esme_reads,
    future_dated,
    reads_gas,
    supply,
    supply_auxiliary,
    supply_events,
)

FAMILIES = (config, esme_reads, future_dated, reads_gas, supply, supply_auxiliary, supply_events)
