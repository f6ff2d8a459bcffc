"""Use cases arrive with the issue that builds this app."""
