"""GBCS, the Great Britain Companion Specification: frames, crypto and payloads (sans-I/O)."""
