"""Every text the bot says, from the form and the message catalogues, per language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from flows.forms.schema import Form, LocalText

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"


class MissingText(KeyError):
    """A text key exists in no catalogue and no form."""


@lru_cache(maxsize=32)
def load_catalogue(language: str, directory: Path = CATALOGUE_DIR) -> dict[str, Any]:
    """One language's catalogue, or an empty one when there is none."""
    path = directory / f"{language}.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a catalogue is a mapping of keys to texts")
    _require_strings(data, str(path))
    return data


def _require_strings(node: Any, where: str) -> None:
    # YAML reads bare yes/no/on/off as booleans; a catalogue holds only text.
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: key {key!r} must be quoted text")
            _require_strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for item in node:
            _require_strings(item, where)
    elif not isinstance(node, str):
        raise ValueError(f"{where}: {node!r} must be quoted text")


def _lookup(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


class Texts:
    """Looks texts up in the resident's language, falling back to the form's default."""

    def __init__(self, form: Form, variables: dict[str, str] | None = None) -> None:
        self.form = form
        self.variables = dict(variables or {})
        # Word lists are read for every typed reply; catalogues do not change while running.
        self._words: dict[tuple[str, str], tuple[str, ...]] = {}

    @property
    def languages(self) -> list[str]:
        """Languages the conversation can run in: the form's."""
        return list(self.form.languages)

    def local(self, text: LocalText, language: str) -> str:
        """Pick one language from a form text, falling back to the default language."""
        value = text.get(language) or text.get(self.form.default_language)
        if value is None:
            value = next(iter(text.values()), "")
        return value.format_map(_Defaulting(self.variables))

    def get(self, key: str, language: str, **values: Any) -> str:
        """A form text or catalogue text by key, filled with values."""
        if key in self.form.texts:
            return self.local(self.form.texts[key], language).format_map(_Defaulting(values))
        for lang in (language, self.form.default_language, "en"):
            found = _lookup(load_catalogue(lang), key)
            if isinstance(found, str):
                return found.format_map(_Defaulting({**self.variables, **values}))
        raise MissingText(key)

    def words(self, key: str, language: str) -> list[str]:
        """A list of words (synonyms) in the resident's language plus the default language."""
        known = self._words.get((key, language))
        if known is None:
            found: list[str] = []
            for lang in dict.fromkeys((language, self.form.default_language)):
                value = _lookup(load_catalogue(lang), key)
                if isinstance(value, list):
                    found.extend(str(v) for v in value)
            known = self._words[(key, language)] = tuple(found)
        return list(known)

    def language_name(self, language: str) -> str:
        """A language's name in that language itself, with a flag."""
        name = load_catalogue(language).get("language_name")
        return str(name) if name else language


class _Defaulting(dict[str, Any]):
    """Leaves unknown {placeholders} as they are instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
