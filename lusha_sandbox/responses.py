"""JSON answers and the error shape Lusha's V3 API uses: `{"statusCode", "message", "errors"}`."""

import json

from werkzeug.wrappers import Response

# The messages Lusha sends (V3 OpenAPI examples and the error-code seeds).
MESSAGES = {
    400: "Invalid request parameters",
    401: "Invalid API key",
    402: "Insufficient credits for this operation",
    403: "Your account is not active. Please reach out to support at support@lusha.com",
    404: "Resource not found",
    412: (
        "The request failed due to invalid syntax that was provided. Please make sure to send a "
        "full name field that contains a valid first & last name"
    ),
    422: "The request is valid but the server cannot process it",
    429: "Too many requests. Please wait before making another request.",
    451: "We are unable to process this contact request due to our GDPR regulations",
    499: "Request failed due to request timeout",
    500: "Internal server error. Please try again later.",
    502: "Bad gateway. Please try again later.",
    503: "Service temporarily unavailable. Please try again later.",
    504: "Gateway timeout. Please try again later.",
}


class ApiError(Exception):
    """An answer other than 200, raised anywhere in a handler."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        errors: list[str] | None = None,
        *,
        headers: dict[str, str] | None = None,
        body: dict | None = None,
    ) -> None:
        self.status = status
        self.message = message or MESSAGES.get(status, "Error")
        self.errors = errors
        self.headers = headers or {}
        self.body = body
        super().__init__(f"{status} {self.message}")

    def to_body(self) -> dict:
        if self.body is not None:
            return self.body
        body: dict = {"statusCode": self.status, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


def json_response(body, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer (compact, UTF-8) with the given status and extra headers."""
    return Response(
        json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


def error_response(error: ApiError) -> Response:
    return json_response(error.to_body(), error.status, error.headers)
