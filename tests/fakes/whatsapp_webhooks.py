"""WhatsApp webhook bodies for channel tests: sample bodies, a signer and a builder.

Samples are the bodies in `tests/data/whatsapp/*.json`, one file per kind of update (written
from the Cloud API's documented webhook payloads, with made-up ids and numbers), each a map of
variant name to body. The builder makes new bodies in the same envelope, so a test can drive a
whole conversation.

pywa 4.5 builds a user from `contacts[0].user_id` (the business-scoped user id, BSUID) and
drops an update without it, so every built message and status carries one.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "data" / "whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
StatusName = Literal["sent", "delivered", "read", "played", "failed"]
JsonDict = dict[str, Any]

_inbound_ids = itertools.count(1)


# -- sample bodies ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Sample:
    """One sample webhook body: `message/voice` is variant `voice` of `message.json`."""

    group: str
    variant: str
    body: JsonDict

    @property
    def name(self) -> str:
        """`group/variant`, e.g. `message_status/failed`."""
        return f"{self.group}/{self.variant}"

    def raw(self) -> bytes:
        """The body as the bytes Meta would POST (compact JSON)."""
        return to_raw(self.body)


def load_samples(directory: Path | None = None) -> dict[str, Sample]:
    """Every variant of every sample file, by `group/variant`."""
    folder = directory or SAMPLES_DIR
    files = sorted(folder.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no WhatsApp samples in {folder}")
    found: dict[str, Sample] = {}
    for path in files:
        for variant, body in json.loads(path.read_text(encoding="utf-8")).items():
            sample = Sample(group=path.stem, variant=variant, body=body)
            found[sample.name] = sample
    return found


@functools.cache
def _cached_samples() -> dict[str, Sample]:
    return load_samples()


def sample(name: str) -> JsonDict:
    """A fresh copy of the sample body `group/variant` (e.g. `message/voice`)."""
    return copy.deepcopy(_cached_samples()[name].body)


def rebase(
    body: JsonDict, *, waba_id: str, phone_id: str, display_phone_number: str | None = None
) -> JsonDict:
    """A copy of `body` addressed to a test account (samples carry an account of their own).

    pywa drops updates whose `entry.id` or `metadata.phone_number_id` differ from the
    client's `waba_id`/`phone_id` when `filter_updates=True` (its default).
    """
    moved = copy.deepcopy(body)
    for entry in moved.get("entry", []):
        entry["id"] = waba_id
        for change in entry.get("changes", []):
            metadata = change.get("value", {}).get("metadata")
            if metadata is not None:
                metadata["phone_number_id"] = phone_id
                if display_phone_number is not None:
                    metadata["display_phone_number"] = display_phone_number
    return moved


# -- signing --------------------------------------------------------------------------------


def to_raw(body: JsonDict) -> bytes:
    """Serialise a body once; sign and POST these exact bytes."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def signature(raw: bytes, app_secret: str) -> str:
    """`sha256=<hex HMAC-SHA256 of raw with app_secret>`, the X-Hub-Signature-256 value."""
    digest = hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(raw: bytes, app_secret: str) -> dict[str, str]:
    """Headers Meta sends with a webhook POST."""
    return {"Content-Type": "application/json", SIGNATURE_HEADER: signature(raw, app_secret)}


def signature_matches(raw: bytes, header: str | None, app_secret: str) -> bool:
    """Whether `header` is the right X-Hub-Signature-256 for `raw` (constant time)."""
    return header is not None and hmac.compare_digest(header, signature(raw, app_secret))


# -- building new bodies --------------------------------------------------------------------


def bsuid_for(wa_id: str, country: str = "NL") -> str:
    """A stable, well-formed business-scoped user id for a test phone number."""
    number = int(hashlib.sha256(wa_id.encode()).hexdigest()[:16], 16)
    return f"{country}.{number}"


class WebhookBuilder:
    """Builds inbound webhook bodies for one business phone, like the recorded samples."""

    def __init__(
        self,
        *,
        waba_id: str = "1234567890987654321",
        phone_id: str = "1122334455667",
        display_phone_number: str = "31201234567",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.waba_id, self.phone_id = waba_id, phone_id
        self.display_phone_number, self._clock = display_phone_number, clock

    def text(self, wa_id: str, body: str, **kwargs: Any) -> JsonDict:
        """A text message from `wa_id`."""
        return self._message(wa_id, "text", {"text": {"body": body}}, **kwargs)

    def button_reply(
        self, wa_id: str, button_id: str, title: str, *, reply_to: str, **kwargs: Any
    ) -> JsonDict:
        """A tap on a reply button of our message `reply_to` (`interactive.button_reply`).

        Meta always sends `context` here, and pywa fails to build the update without it.
        """
        reply = {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}
        return self._message(wa_id, "interactive", {"interactive": reply}, reply_to=reply_to,
                             **kwargs)

    def list_reply(
        self,
        wa_id: str,
        row_id: str,
        title: str,
        description: str | None = None,
        *,
        reply_to: str,
        **kwargs: Any,
    ) -> JsonDict:
        """A choice from the section list in our message `reply_to` (`interactive.list_reply`)."""
        row = {"id": row_id, "title": title}
        if description is not None:
            row["description"] = description
        reply = {"type": "list_reply", "list_reply": row}
        return self._message(wa_id, "interactive", {"interactive": reply}, reply_to=reply_to,
                             **kwargs)

    def template_button(self, wa_id: str, payload: str, text: str, **kwargs: Any) -> JsonDict:
        """A tap on a template's quick-reply button (`type: button`)."""
        button = {"button": {"payload": payload, "text": text}}
        return self._message(wa_id, "button", button, **kwargs)

    def voice(self, wa_id: str, media_id: str, **kwargs: Any) -> JsonDict:
        """A voice note (`audio` with `voice: true`); seed bytes with `FakeGraphApi.add_media`."""
        audio = {"mime_type": "audio/ogg; codecs=opus", "sha256": "fake", "id": media_id,
                 "voice": True}
        return self._message(wa_id, "audio", {"audio": audio}, **kwargs)

    def request_welcome(self, wa_id: str, **kwargs: Any) -> JsonDict:
        """The resident opened the chat for the first time (`type: request_welcome`)."""
        return self._message(wa_id, "request_welcome", {}, **kwargs)

    def status(
        self,
        wamid: str,
        status: StatusName,
        wa_id: str,
        *,
        error: JsonDict | None = None,
        tracker: str | None = None,
        timestamp: int | None = None,
        bsuid: str | None = None,
    ) -> JsonDict:
        """A status update for our message `wamid`.

        For `failed`, pass `error=GraphError.of(131047).webhook_error()` (default: 131026).
        """
        entry: JsonDict = {
            "id": wamid,
            "status": status,
            "timestamp": str(timestamp or int(self._clock())),
            "recipient_id": wa_id,
        }
        if status in ("sent", "delivered", "read"):
            entry["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "service"}
        if tracker is not None:
            entry["biz_opaque_callback_data"] = tracker
        if status == "failed":
            entry["errors"] = [error or {"code": 131026, "title": "Message undeliverable",
                                         "message": "Message undeliverable",
                                         "error_data": {"details": "Message undeliverable"}}]
        contact = _contact(wa_id, bsuid, name=None)
        return self._envelope({"contacts": [contact], "statuses": [entry]})

    def batch(self, *bodies: JsonDict) -> JsonDict:
        """Several bodies in one POST, as Meta may batch them (pywa reads only the first)."""
        entries = [entry for body in bodies for entry in body["entry"]]
        return {"object": "whatsapp_business_account", "entry": entries}

    def _message(
        self,
        wa_id: str,
        kind: str,
        content: JsonDict,
        *,
        wamid: str | None = None,
        timestamp: int | None = None,
        name: str = "Bewoner",
        bsuid: str | None = None,
        reply_to: str | None = None,
    ) -> JsonDict:
        message: JsonDict = {
            "from": wa_id,
            "id": wamid or new_inbound_wamid(),
            "timestamp": str(timestamp or int(self._clock())),
            "type": kind,
            **content,
        }
        if reply_to is not None:
            message["context"] = {"from": self.display_phone_number, "id": reply_to}
        contact = _contact(wa_id, bsuid, name=name)
        return self._envelope({"contacts": [contact], "messages": [message]})

    def _envelope(self, value: JsonDict) -> JsonDict:
        metadata = {
            "display_phone_number": self.display_phone_number,
            "phone_number_id": self.phone_id,
        }
        change = {"value": {"messaging_product": "whatsapp", "metadata": metadata, **value},
                  "field": "messages"}
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": self.waba_id, "changes": [change]}],
        }


def new_inbound_wamid() -> str:
    """A fresh, unique wamid for a resident's message."""
    return f"wamid.IN{next(_inbound_ids):08d}"


def _contact(wa_id: str, bsuid: str | None, *, name: str | None) -> JsonDict:
    contact: JsonDict = {"wa_id": wa_id, "user_id": bsuid or bsuid_for(wa_id)}
    if name is not None:
        contact["profile"] = {"name": name}
    return contact
