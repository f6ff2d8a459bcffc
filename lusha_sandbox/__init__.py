"""A Lusha-compatible HTTP server with synthetic, deterministic data (see README.md).

Standalone: it imports neither Django nor anything else of the portal.
"""
