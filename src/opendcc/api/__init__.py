"""HTTP interfaces: DUIS (port 8079), the SMKI service (8083), the admin REST API."""
