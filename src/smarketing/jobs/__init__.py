"""The background worker: durable tasks with retries, leases, stale-task recovery and schedules."""
