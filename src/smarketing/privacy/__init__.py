"""Personal-data rights: export, erasure and the audit log of who touched personal data."""
