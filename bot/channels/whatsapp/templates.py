"""Message templates (templates/*.yaml): the only messages allowed outside the 24-hour window."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pywa_async.types import templates as t

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CHECKIN = "checkin"
RESUME = "resume"
FALLBACK_LANGUAGE = "nl"
NAME = re.compile(r"[a-z0-9_]{1,512}")
BODY_MAX = 1024
QUICK_REPLY_MAX = 25
CATEGORIES = frozenset({"UTILITY", "MARKETING"})


class TemplateFileError(ValueError):
    """A template file that Meta would refuse or we cannot read."""


@dataclass(frozen=True, slots=True)
class TemplateText:
    """A template's body and quick-reply button in one language."""

    body: str
    button: str


@dataclass(frozen=True, slots=True)
class TemplateDefinition:
    """One template in every language, as shipped in a YAML file."""

    key: str
    name: str
    category: str
    payload: str
    texts: dict[str, TemplateText]

    def language_of(self, language: str | None) -> str:
        """The resident's language when the template has it, else Dutch."""
        return language if language in self.texts else FALLBACK_LANGUAGE

    def as_pywa(self, language: str) -> t.Template:
        """The template in one language, for `WhatsApp.create_template`."""
        text = self.texts[language]
        return t.Template(
            name=self.name,
            language=t.TemplateLanguage(language),
            category=t.TemplateCategory(self.category),
            components=[
                t.BodyText(text.body),
                t.Buttons(buttons=[t.QuickReplyButton(text=text.button)]),
            ],
        )

    def send_params(self) -> list[Any]:
        """The quick reply's payload, so a tap tells us which template it answered."""
        return [t.QuickReplyButton.params(callback_data=self.payload, index=0)]


def _definition(path: Path) -> TemplateDefinition:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("languages"), dict):
        raise TemplateFileError(f"{path}: needs name, category, button_payload and languages")
    name, category = str(data.get("name", "")), str(data.get("category", ""))
    if not NAME.fullmatch(name):
        raise TemplateFileError(f"{path}: name may only hold a-z, 0-9 and _")
    if category not in CATEGORIES:
        raise TemplateFileError(f"{path}: category must be one of {sorted(CATEGORIES)}")
    texts = {str(lang): _text(path, str(lang), value) for lang, value in data["languages"].items()}
    if FALLBACK_LANGUAGE not in texts:
        raise TemplateFileError(f"{path}: a {FALLBACK_LANGUAGE} version is required")
    return TemplateDefinition(path.stem, name, category, str(data.get("button_payload") or
                                                           path.stem), texts)


def _text(path: Path, language: str, value: Any) -> TemplateText:
    body = value.get("body") if isinstance(value, dict) else None
    button = value.get("button") if isinstance(value, dict) else None
    if not isinstance(body, str) or not body or len(body) > BODY_MAX:
        raise TemplateFileError(f"{path}: {language}.body needs 1 to {BODY_MAX} characters")
    if not isinstance(button, str) or not button or len(button) > QUICK_REPLY_MAX:
        raise TemplateFileError(
            f"{path}: {language}.button needs 1 to {QUICK_REPLY_MAX} characters"
        )
    # Looked up by value: pywa's enum fails with a TypeError on an unknown code.
    if not any(member.value == language for member in t.TemplateLanguage):
        raise TemplateFileError(f"{path}: {language} is no WhatsApp template language")
    return TemplateText(body, button)


@lru_cache(maxsize=4)
def load_templates(directory: Path = TEMPLATES_DIR) -> dict[str, TemplateDefinition]:
    """Every template definition by key (the file name: `checkin`, `resume`)."""
    return {path.stem: _definition(path) for path in sorted(directory.glob("*.yaml"))}


def template(key: str) -> TemplateDefinition:
    """One shipped template by key."""
    return load_templates()[key]
