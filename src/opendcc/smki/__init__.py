"""SMKI, the Smart Metering Key Infrastructure: certificates, a test CA and keystores."""
