"""The simulated Postmark API (server and account endpoints)."""
