"""DUIS, the DCC User Interface Specification: messages, the request matrix, XML signatures."""
