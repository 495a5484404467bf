"""The simulated Mailgun API (US and EU regions)."""
