"""Simulated Devices: each Device type is a state machine over the GBCS Commands it receives."""
