"""Message templates held by the fake Graph API: create, list, delete, and check on send."""

from __future__ import annotations

import dataclasses
import itertools
import re
from typing import Any

from tests.fakes.graph_errors import GraphError, invalid_parameter
from tests.fakes.graph_limits import Rejected

TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
CATEGORIES = frozenset({"MARKETING", "UTILITY", "AUTHENTICATION"})
STATUSES = frozenset({"APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL"})
TEMPLATE_BODY_MAX = 1024
TEMPLATE_HEADER_MAX = 60
TEMPLATE_FOOTER_MAX = 60
TEMPLATE_BUTTONS_MAX = 10
QUICK_REPLY_TEXT_MAX = 25

_template_ids = itertools.count(594425479261596)


def new_template_id() -> str:
    """A fresh template id in Meta's style."""
    return str(next(_template_ids))


@dataclasses.dataclass(slots=True)
class StoredTemplate:
    """One template of the WhatsApp Business Account, as the fake keeps it."""

    id: str
    name: str
    language: str
    category: str
    status: str
    components: list[dict[str, Any]]
    parameter_format: str = "POSITIONAL"

    def as_graph(self) -> dict[str, Any]:
        """The template as `GET /{waba_id}/message_templates` lists it."""
        return {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "category": self.category,
            "status": self.status,
            "parameter_format": self.parameter_format,
            "components": self.components,
        }

    def placeholders(self, component_type: str) -> int:
        """How many distinct `{{…}}` parameters the HEADER or BODY text expects."""
        for component in self.components:
            if str(component.get("type", "")).upper() == component_type:
                return len(set(PLACEHOLDER.findall(str(component.get("text", "")))))
        return 0


class TemplateStore:
    """Templates by (name, language); thread safety is the caller's lock."""

    def __init__(self, status_on_create: str = "PENDING") -> None:
        self.status_on_create = status_on_create
        self._templates: dict[tuple[str, str], StoredTemplate] = {}

    def all(self) -> list[StoredTemplate]:
        """Every template, oldest first."""
        return list(self._templates.values())

    def add(self, template: StoredTemplate) -> StoredTemplate:
        """Store a template as is (already approved, seeded by a test)."""
        self._templates[(template.name, template.language)] = template
        return template

    def create(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Handle `POST /{waba_id}/message_templates`; answers `{id, status, category}`."""
        _check_definition(payload)
        key = (payload["name"], payload["language"])
        if key in self._templates:
            raise Rejected(invalid_parameter(
                f"Content in this language already exists: {key[0]} ({key[1]})."
            ))
        template = self.add(StoredTemplate(
            id=new_template_id(),
            name=payload["name"],
            language=payload["language"],
            category=payload["category"],
            status=self.status_on_create,
            components=payload["components"],
            parameter_format=payload.get("parameter_format", "POSITIONAL"),
        ))
        return {"id": template.id, "status": template.status, "category": template.category}

    def find(self, name: str, language: str) -> StoredTemplate | None:
        """The template with this name and language code, if any."""
        return self._templates.get((name, language))

    def by_id(self, template_id: str) -> StoredTemplate | None:
        """The template with this id, if any."""
        return next((t for t in self._templates.values() if t.id == template_id), None)

    def delete(self, name: str) -> bool:
        """Delete every language of the template `name`."""
        keys = [key for key in self._templates if key[0] == name]
        for key in keys:
            del self._templates[key]
        return bool(keys)

    def listing(self, query: dict[str, str]) -> dict[str, Any]:
        """The body of `GET /{waba_id}/message_templates`, filtered like Meta filters."""
        found = [
            t for t in self._templates.values()
            if _matches(t.name, query.get("name"), partial=True)
            and _matches(t.status, query.get("status"))
            and _matches(t.language, query.get("language"))
            and _matches(t.category, query.get("category"))
        ]
        return {
            "data": [t.as_graph() for t in found],
            "paging": {"cursors": {"before": "QVFIUk", "after": "QVFIUk"}},
            "summary": {
                "total_count": len(found),
                "message_template_count": len(self._templates),
                "message_template_limit": 250,
                "are_translations_complete": True,
            },
        }

    def check_send(self, template: dict[str, Any]) -> GraphError | None:
        """Error for sending an unknown, unapproved or wrongly filled template, else None."""
        name, language = template.get("name", ""), template.get("language", {}).get("code", "")
        stored = self.find(name, language)
        if stored is None or stored.status != "APPROVED":
            return GraphError(code=132001, details=f"template name ({name}) does not exist in "
                              f"{language} or is not approved")
        for component_type in ("HEADER", "BODY"):
            given = sum(
                len(c.get("parameters", []))
                for c in template.get("components", [])
                if str(c.get("type", "")).upper() == component_type
            )
            expected = stored.placeholders(component_type)
            if given != expected:
                return GraphError(code=132000, details=(
                    f"{component_type.lower()}: number of localizable_params ({given}) does not "
                    f"match the expected number of params ({expected})"
                ))
        return None


def _matches(value: str, wanted: str | None, *, partial: bool = False) -> bool:
    if wanted is None:
        return True
    if partial:
        return wanted in value
    return value in wanted.split(",")


def _check_definition(payload: dict[str, Any]) -> None:
    """Meta's checks on a new template that matter for our texts."""
    if not TEMPLATE_NAME.fullmatch(str(payload.get("name", ""))):
        raise Rejected(invalid_parameter("Template name may only hold a-z, 0-9 and _."))
    if payload.get("category") not in CATEGORIES:
        raise Rejected(invalid_parameter(f"Param category must be one of {sorted(CATEGORIES)}."))
    if not payload.get("language"):
        raise Rejected(invalid_parameter("Param language is required."))
    components = payload.get("components") or []
    by_type = {str(c.get("type", "")).upper(): c for c in components}
    body = by_type.get("BODY")
    if body is None or not body.get("text"):
        raise Rejected(invalid_parameter("A template needs a BODY component with text."))
    _check_length("BODY", body["text"], TEMPLATE_BODY_MAX)
    if PLACEHOLDER.search(body["text"]) and "example" not in body:
        raise Rejected(invalid_parameter("BODY has variables but no example values."))
    header = by_type.get("HEADER")
    if header is not None and header.get("format", "TEXT") == "TEXT":
        _check_length("HEADER", header.get("text", ""), TEMPLATE_HEADER_MAX)
    footer = by_type.get("FOOTER")
    if footer is not None:
        _check_length("FOOTER", footer.get("text", ""), TEMPLATE_FOOTER_MAX)
    buttons = (by_type.get("BUTTONS") or {}).get("buttons", [])
    if len(buttons) > TEMPLATE_BUTTONS_MAX:
        raise Rejected(invalid_parameter(f"At most {TEMPLATE_BUTTONS_MAX} template buttons."))
    for button in buttons:
        if button.get("type") == "QUICK_REPLY":
            _check_length("QUICK_REPLY button", button.get("text", ""), QUICK_REPLY_TEXT_MAX)


def _check_length(what: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise Rejected(invalid_parameter(f"{what} text must be at most {limit} characters."))
