"""Pages for people: server-rendered templates, htmx where interaction helps."""
