"""DCC Users, their User Roles, and whether they may make a Service Request (E1 to E5)."""
