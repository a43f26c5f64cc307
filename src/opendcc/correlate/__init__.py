"""Correlate: does a Pre-Command do exactly what the User's Service Request asked?

The DCC transforms a critical Service Request into a GBCS Pre-Command and returns it for
the User to sign. Before signing, the User's Parse and Correlate Software checks that the
Pre-Command is substantively identical to the request (consultation glossary, "Parse and
Correlate Software"): otherwise a compromised DCC could obtain a supplier's signature on a
Command the supplier never asked for. This package is that check; every opendcc client
runs it before signing (``opendcc send``, the demo, ``DuisClient.critical``)::

    verdict = correlate(request, pre_command)          # Verdict, true when it correlates
    if not verdict:
        print(verdict.difference)                      # words a person can act on

How (``check``): the Pre-Command's header must name the User and the request's counter;
the request is transformed here, independently of the DCC (``expected``), and the
Pre-Command must equal a transform byte for byte, allowing only the DCC's time of
transformation, within a clock tolerance. A mismatch is explained by ``explain``.
docs/parse-and-correlate.md describes the rules and the allowed fields.
"""

from __future__ import annotations

from .check import DEFAULT_CLOCK_TOLERANCE, correlate, correlate_response
from .devices import DeviceFacts
from .verdict import DccFilledField, DifferenceKind, Verdict

__all__ = [
    "DEFAULT_CLOCK_TOLERANCE",
    "DccFilledField",
    "DeviceFacts",
    "DifferenceKind",
    "Verdict",
    "correlate",
    "correlate_response",
]
