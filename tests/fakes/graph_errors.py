"""Graph API errors as Meta's Cloud API returns them, for the fake Graph API server."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

_trace_ids = itertools.count(1)

# Titles Meta puts after "(#code)" in `error.message`; pywa maps codes to exception classes
# (pywa.errors: 131047 ReEngagementMessage, 131026 MessageUndeliverable, 130429 RateLimitHit,
# 131009 InvalidParameter, 131008 MissingRequiredParameter, 132001 TemplateNotExists,
# 132000 TemplateParamCountMismatch, 190 ExpiredAccessToken; code 100 stays WhatsAppError).
TITLES: dict[int, str] = {
    1: "API Unknown",
    2: "API Service",
    100: "Invalid parameter",
    190: "Access token has expired",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    131016: "Service unavailable",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131048: "Spam rate limit hit",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
}

DETAILS: dict[int, str] = {
    130429: "Cloud API message throughput has been reached.",
    131026: "Message failed to send because the recipient cannot receive it.",
    131047: (
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number."
    ),
    131056: "Too many messages sent from the sender phone number to the same recipient.",
}

# Meta answers most errors with HTTP 400; these differ.
HTTP_STATUS: dict[int, int] = {1: 500, 2: 503, 190: 401, 131016: 503}


@dataclasses.dataclass(frozen=True, slots=True)
class GraphError:
    """One error answer of the Graph API: code, title, details and HTTP status."""

    code: int
    details: str | None = None
    title: str | None = None
    http_status: int | None = None

    @classmethod
    def of(cls, code: int, details: str | None = None) -> GraphError:
        """The error for `code` with Meta's title, usual details and HTTP status."""
        return cls(code=code, details=details or DETAILS.get(code))

    @property
    def status(self) -> int:
        """The HTTP status the fake answers with."""
        return self.http_status or HTTP_STATUS.get(self.code, 400)

    @property
    def message(self) -> str:
        """`(#code) Title`, the form of Meta's `error.message`."""
        return f"(#{self.code}) {self.title or TITLES.get(self.code, 'Unknown error')}"

    def envelope(self) -> dict[str, Any]:
        """The JSON body Meta sends: `{"error": {message, type, code, error_data, fbtrace_id}}`."""
        error: dict[str, Any] = {
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": f"AFakeTrace{next(_trace_ids):010d}",
        }
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        return {"error": error}

    def webhook_error(self) -> dict[str, Any]:
        """The same error as it appears in a `failed` status webhook (`statuses[].errors[]`)."""
        title = self.title or TITLES.get(self.code, "Unknown error")
        return {
            "code": self.code,
            "title": title,
            "message": title,
            "error_data": {"details": self.details or title},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        }


def invalid_parameter(details: str) -> GraphError:
    """Code 100: a field Meta checks by schema (e.g. `text.body` too long)."""
    return GraphError(code=100, details=details)


def value_not_valid(details: str) -> GraphError:
    """Code 131009: a value Meta checks by rule (e.g. too many buttons)."""
    return GraphError(code=131009, details=details)


def missing_parameter(details: str) -> GraphError:
    """Code 131008: a required field is absent."""
    return GraphError(code=131008, details=details)


def unsupported_request(method: str, path: str) -> GraphError:
    """Code 100 for a path the fake (or Meta) does not serve."""
    return GraphError(
        code=100,
        title=f"Unsupported {method.lower()} request",
        details=f"Unsupported {method.lower()} request to '{path}'.",
    )
