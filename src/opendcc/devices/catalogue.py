"""Every simulated-device family, imported so their ``@handles`` registrations run."""

from opendcc.devices import esme_reads, future_dated

FAMILIES = (esme_reads, future_dated)
