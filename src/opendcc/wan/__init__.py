"""The simulated SM WAN: one network per CSP region, with latency, coverage and failures."""
