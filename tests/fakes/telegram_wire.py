"""The Bot API's wire format: request parameters in, JSON envelopes out.

Telegram accepts the same parameters as a query string, a JSON body,
form-urlencoded or multipart/form-data. python-telegram-bot sends
form-urlencoded (multipart when a file is uploaded) with every non-string
value JSON-encoded, so `chat_id` arrives as "42" and `reply_markup` as a JSON
string. `parse_request` turns all four forms into one dict of Python values.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

JsonDict = dict[str, Any]

# Parameters documented as "JSON-serialized" objects or arrays.
_JSON_PARAMS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "reply_markup",
        "reply_parameters",
        "scope",
    }
)
_INT_PARAMS = frozenset(
    {
        "cache_time",
        "duration",
        "limit",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "reply_to_message_id",
        "timeout",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "protect_content",
        "show_alert",
    }
)


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request."""

    field_name: str
    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ParsedRequest:
    """Parameters and uploaded files of one Bot API call."""

    params: JsonDict
    files: dict[str, UploadedFile]


class ApiError(Exception):
    """A Bot API failure, rendered as Telegram's error envelope."""

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def envelope(self) -> JsonDict:
        """The JSON body Telegram answers with for this error."""
        body: JsonDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        parameters: JsonDict = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: ..." description."""
    return ApiError(400, f"Bad Request: {reason}")


def ok_envelope(result: Any, description: str | None = None) -> JsonDict:
    """The JSON body of a successful call."""
    body: JsonDict = {"ok": True, "result": result}
    if description is not None:
        body["description"] = description
    return body


def parse_request(query: str, content_type: str, body: bytes) -> ParsedRequest:
    """Read parameters from the query string and the body, whatever its encoding."""
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, UploadedFile] = {}
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json" and body:
        raw.update(_parse_json_body(body))
    elif media_type == "application/x-www-form-urlencoded":
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif media_type == "multipart/form-data":
        fields, files = _parse_multipart(content_type, body)
        raw.update(fields)
    params = {name: _coerce(name, value) for name, value in raw.items()}
    return ParsedRequest(params=params, files=files)


def _parse_json_body(body: bytes) -> JsonDict:
    try:
        decoded = json.loads(body)
    except ValueError as exc:
        raise bad_request("can't parse JSON encoded request") from exc
    if not isinstance(decoded, dict):
        raise bad_request("JSON object expected")
    return decoded


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = data.decode(part.get_content_charset() or "utf-8")
        else:
            files[name] = UploadedFile(name, filename, part.get_content_type(), data)
    return fields, files


def _coerce(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad_request(f"can't parse {name} JSON object") from exc
    if name in _INT_PARAMS or name == "chat_id":
        return _to_int(name, value)
    if name in _BOOL_PARAMS:
        return value.lower() in ("true", "1")
    return value


def _to_int(name: str, value: str) -> int | str:
    try:
        return int(value)
    except ValueError:
        if name == "chat_id":
            return value  # "@channelusername" is a valid chat_id
        raise bad_request(f"invalid {name} specified") from None
