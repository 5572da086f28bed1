"""Service levels: business calendars, the clocks of each hand-off (the one copy of its
deadlines) and the sweep that marks them and hands over the escalation steps due."""
