"""Service Request catalogue tests, one folder per family."""
