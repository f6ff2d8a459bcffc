"""Admin registrations arrive when the lists pages need them."""
