"""A DCC User's side of DUIS: sign and send Service Requests, receive and check Responses.

What ``opendcc send``, ``opendcc demo``, the benchmarks and the end-to-end tests use to talk
to a hub (opendcc's or DCC Boxed) exactly as a supplier's system would.
"""
