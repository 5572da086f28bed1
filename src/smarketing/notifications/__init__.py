"""Notifications: in the app (with an unread count), by e-mail, Slack and Microsoft Teams."""
