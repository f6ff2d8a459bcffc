"""The tokens of set-password links: Django's password-reset tokens, which die once the
password is set and after PASSWORD_RESET_TIMEOUT (SET_PASSWORD_LINK_HOURS), and which here
also die when a newer link is issued for the same user (User.password_link_serial)."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class SetPasswordLinkTokens(PasswordResetTokenGenerator):
    key_salt = "accounts.tokens.SetPasswordLinkTokens"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}|{user.password_link_serial}"


set_password_tokens = SetPasswordLinkTokens()
