"""Security credentials, change of supplier, commissioning, the HAN and firmware."""
