"""Every simulated-device family, imported so their ``@handles`` registrations run."""

from opendcc.devices import (
    config,
    esme_reads,
    future_dated,
    han_chf,
    han_device_log,
    reads_gas,
    security_credentials,
    security_device_credentials,
    security_firmware,
    security_trust_anchors,
    supply,
    supply_auxiliary,
    supply_events,
)

FAMILIES = (
    config,
    esme_reads,
    future_dated,
    han_chf,
    han_device_log,
    reads_gas,
    security_credentials,
    security_device_credentials,
    security_firmware,
    security_trust_anchors,
    supply,
    supply_auxiliary,
    supply_events,
)
