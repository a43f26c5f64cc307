"""GBCS, the Great Britain Companion Specification: frames, crypto and payloads (sans-I/O).

Start with ``opendcc.gbcs.codec.decode`` (bytes to a checked ``DecodedMessage`` and JSON),
``opendcc.gbcs.build`` (Commands, Pre-Commands, Responses, Alerts) and
``opendcc.gbcs.security.GbcsSecurity`` (the key rules over a keystore); docs/gbcs.md has
the whole picture. Nothing is imported here, so the payload codecs can import
``opendcc.gbcs.context`` without loading the rest.
"""
