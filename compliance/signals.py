"""Signal receivers of the compliance domain (connected in ComplianceConfig.ready)."""
