"""The Smart Metering Inventory and registration data: devices, statuses, who holds each MPxN."""
