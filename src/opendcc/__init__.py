"""opendcc: an open implementation of the GB smart-metering DCC hub and the SEC rules around it.

The package is layered (see docs/architecture.md): ``duis``, ``gbcs`` and ``smki`` are
pure, I/O-free codecs; ``sec`` is the Smart Energy Code as code; the hub, the store and
the simulated estate build on them.
"""

__version__ = "0.1.0"
