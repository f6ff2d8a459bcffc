"""Nothing of account-based selling is edited in the Django admin: the pages are the way in."""
