"""What can go wrong when talking to Lusha, each with a message a salesperson can read.

Permanent errors are never retried; transient ones carry `retry_after` (seconds) when Lusha or
the quota state says when to try again.
"""

from __future__ import annotations

import math
import time


class LushaError(Exception):
    """Base of every Lusha error. `str(error)` is the salesperson's message."""

    permanent: bool = True
    default_message = "Lusha could not answer this request."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        detail: str = "",
        retry_after: float | None = None,
    ):
        self.status = status
        self.detail = detail  # Lusha's own words, for the ledger and the admin
        self.retry_after = retry_after
        super().__init__(message or self.default_message)

    @property
    def code(self) -> str:
        """A short stable name for the ledger ("LushaCreditsExhaustedError")."""
        return type(self).__name__


class LushaPermanentError(LushaError):
    permanent = True


class LushaTransientError(LushaError):
    permanent = False


# ---- permanent -----------------------------------------------------------------------------


class LushaNotConfiguredError(LushaPermanentError):
    default_message = (
        "The Lusha connection is not configured: an admin needs to set the organisation's key."
    )


class LushaBadRequestError(LushaPermanentError):
    default_message = "Lusha refused the request as invalid."


class LushaUnauthorizedError(LushaPermanentError):
    default_message = (
        "Lusha refused the organisation's API key. An admin needs to check it under "
        "Settings → Lusha connection."
    )


class LushaCreditsExhaustedError(LushaPermanentError):
    default_message = (
        "Lusha credits are used up. A manager needs to add credits before more data can be "
        "revealed."
    )


class LushaForbiddenError(LushaPermanentError):
    default_message = "Your Lusha plan does not include this feature."


class LushaNotFoundError(LushaPermanentError):
    default_message = "Lusha has no record matching this request."


class LushaInvalidNameError(LushaPermanentError):
    default_message = "Lusha needs both a first and a last name to find this person."


class LushaUnprocessableError(LushaPermanentError):
    default_message = "Lusha could not process this record (check the email or other details)."


class LushaGdprBlockedError(LushaPermanentError):
    default_message = "Lusha cannot return this person's data: it is blocked under GDPR."
    company_message = "Lusha cannot return this company's data: it is blocked under GDPR."


def gdpr_blocked_reason(kind: str) -> str:
    """Why a record blocked under GDPR (451) was not returned, for a person or a company."""
    if kind == "companies":
        return LushaGdprBlockedError.company_message
    return LushaGdprBlockedError.default_message


class LushaHostNotAllowedError(LushaPermanentError):
    """The base URL names a host the key may not go to: nothing was sent."""

    default_message = (
        "The Lusha connection points at a host the organisation's key may not be sent to. An "
        "admin needs to set the base URL back under Settings → Lusha connection."
    )


class LushaKeyUnreadableError(LushaPermanentError):
    """The stored key cannot be decrypted with this process's PORTAL_ENCRYPTION_KEYS: nothing
    was sent. The message is for everyone; admins get the cause in the page's banner."""

    default_message = (
        "The portal cannot use the organisation's Lusha key right now. An admin needs to look "
        "at Settings → Lusha connection."
    )


class LushaRedirectError(LushaPermanentError):
    """Lusha (or something in its place) answered with a redirect, which is never followed:
    following it would send the key to wherever the redirect points."""

    default_message = (
        "The Lusha address answered with a redirect elsewhere, which the portal never follows "
        "with the organisation's key. An admin needs to check the base URL under Settings → "
        "Lusha connection."
    )


class LushaImpossibleAnswerError(LushaPermanentError):
    """A 2xx answer whose figures cannot be right (negative credits, a total that is no number,
    an id that is no id): nothing of it is used, and the ledger keeps the call with the most it
    may have cost. Asking again would most likely get the same answer, so it is not retried."""

    default_message = (
        "Lusha's answer could not be used: its figures cannot be right. Nothing from it was "
        "saved; the call is in the ledger with the most it may have cost."
    )


# ---- transient -----------------------------------------------------------------------------


class LushaRateLimitedError(LushaTransientError):
    default_message = "Lusha is receiving too many requests right now; trying again shortly."


class LushaQuotaExhaustedError(LushaTransientError):
    """A daily or hourly request quota is used up: background work pauses until it resets."""

    default_message = "The Lusha request quota is used up for now; work resumes when it resets."

    def __init__(self, message: str | None = None, *, window: str = "", **kwargs):
        self.window = window  # "daily" or "hourly"
        super().__init__(message, **kwargs)


def quota_reset_text(resets_at: float) -> str:
    """When a quota resets (Unix time) as "HH:MM UTC", rounded up to the minute: Lusha counts
    the seconds to a reset rounded down, so the midnight reset arrives as 23:59:59.4 and must
    read 00:00, not 23:59."""
    return time.strftime("%H:%M UTC", time.gmtime(math.ceil(resets_at / 60) * 60))


class LushaTimeoutError(LushaTransientError):
    default_message = "Lusha took too long to answer; trying again shortly."


class LushaServerError(LushaTransientError):
    default_message = "Lusha is having trouble right now; trying again shortly."


class LushaConnectionError(LushaTransientError):
    default_message = "The portal could not reach Lusha; trying again shortly."


class LushaMalformedResponseError(LushaTransientError):
    default_message = "Lusha sent an answer the portal could not read; trying again shortly."


class LushaLedgerUnavailableError(LushaTransientError):
    """Neither the database nor Redis could take the ledger row a billable call needs before it
    is sent, so the call was not sent (it would have been a charge nobody could account for)."""

    default_message = (
        "The portal could not record this call to Lusha in its ledger, so it did not make it; "
        "trying again shortly."
    )


_BY_STATUS: dict[int, type[LushaError]] = {
    400: LushaBadRequestError,
    401: LushaUnauthorizedError,
    402: LushaCreditsExhaustedError,
    403: LushaForbiddenError,
    404: LushaNotFoundError,
    412: LushaInvalidNameError,
    422: LushaUnprocessableError,
    429: LushaRateLimitedError,
    451: LushaGdprBlockedError,
    499: LushaTimeoutError,
}


def error_for_status(status: int, detail: str, *, retry_after: float | None = None) -> LushaError:
    """The error for an HTTP status, with Lusha's `detail` turned into a readable message."""
    error_class = _BY_STATUS.get(status)
    if error_class is None:
        error_class = LushaServerError if status >= 500 else LushaBadRequestError
    message = None
    lowered = detail.lower()
    if error_class is LushaBadRequestError and detail:
        message = f"Lusha refused the request as invalid: {detail}"
    elif error_class is LushaForbiddenError:
        if "prospecting" in lowered or "filter" in lowered:
            message = "Your Lusha plan does not include Prospecting."
        elif "not active" in lowered or "inactive" in lowered:
            message = "The organisation's Lusha account is not active. Contact Lusha support."
        elif "v3" in lowered:
            message = "Lusha's V3 API is not enabled for the organisation's account."
        elif "signal" in lowered:
            message = "Your Lusha plan does not include Signals."
    elif error_class is LushaUnprocessableError and detail:
        message = f"Lusha could not process this record: {detail}"
    elif error_class is LushaServerError:
        message = f"Lusha is having trouble right now (error {status}); trying again shortly."
    return error_class(message, status=status, detail=detail, retry_after=retry_after)
