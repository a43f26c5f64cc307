"""The hub: the one place that sequences a Service Request through its steps."""
