"""Service levels: business calendars and working-time clocks (more to come with handoffs)."""
