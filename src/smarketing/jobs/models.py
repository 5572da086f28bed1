"""Models of the worker: live workers (leases), periodic schedules and the outbox."""
