"""Rendering and delivery of alerts from the `alerts` outbox table.

    digest.py         the data a message shows (Digest, AlertItem, ArticleRef), grouping;
                      items made from the outbox's plain rows (item_from_row)
    evidence.py       why an alert is believed, in plain words (one phrase per evidence
                      code), with its confidence; countries by name; a town's place
    channels/         one module per channel (its settings section, renderer and sender),
                      registered in channels/__init__.py: email_channel.py (SMTP),
                      slack_channel.py (incoming webhook); spec.py says what a channel is
    credentials.py    a channel's secrets, from environment variables or Prefect Secret blocks
    charts.py         the map of towns and the timeline (matplotlib): PNG for the email
                      digest and the run summary, SVG for `mali-monitor report`
    delivery.py       deliver_pending (the flow's entry point), DeliveryReport, test alerts
    errors.py         DeliveryError, and the redaction of secrets from error text
    hosts.py          is_loopback_host: where plain SMTP login and http:// webhooks may go

Every SQL statement about alerts is in `warehouse.outbox`, which imports nothing from here.
Nothing here imports `flows`: flows.settings reads each channel's section with the channel's
own settings model.
"""
