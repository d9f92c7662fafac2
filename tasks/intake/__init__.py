"""Submission intake: read what counties really send, identify it, validate it, keep it."""
