"""The events store: behaviour events of contacts and anonymous visitors, append-only."""
