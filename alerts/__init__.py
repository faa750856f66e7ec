"""Rendering and delivery of alerts (email, Slack) from the `alerts` outbox table.

    digest.py         the data a message shows (Digest, AlertItem, ArticleRef), grouping
    render_email.py   a digest as an email: plain text + HTML, subject, Message-ID
    render_slack.py   a digest as Block Kit payloads, split to Slack's limits, escaped
    charts.py         the map of towns and the timeline (matplotlib): PNG for the email
                      digest and the run summary, SVG for `mali-monitor report`
    smtp_sender.py    SmtpSender: smtplib, TLS none | starttls | ssl, optional login
    slack_sender.py   SlackSender: slack_sdk WebhookClient, bounded 429/5xx retries
    senders.py        the AlertSender protocol; real senders built from the settings, their
                      secrets read from environment variables or Prefect Secret blocks
    delivery.py       deliver_pending (the flow's entry point), DeliveryReport, test alerts
    errors.py         DeliveryError, and the redaction of secrets from error text
    hosts.py          is_loopback_host: where plain SMTP login and http:// webhooks may go

Every SQL statement about alerts is in `warehouse.outbox`.
"""
