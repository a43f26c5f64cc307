"""Every transform family, imported so their ``@transforms`` registrations run."""

from opendcc.transform import reads

FAMILIES = (reads,)
