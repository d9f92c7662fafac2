"""Supervision briefings: figures from the store, charts, HTML for email, PDF for print."""
