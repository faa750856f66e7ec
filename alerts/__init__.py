"""Rendering and delivery of alerts (email, Slack) from the `alerts` outbox table."""
