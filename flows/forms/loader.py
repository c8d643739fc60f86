"""Load a form file and report every problem with its place in the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from flows.forms.rules import content_problems
from flows.forms.schema import Form

Location = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a form, with where it is."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path or '(form)'}: {self.message}"


class FormError(Exception):
    """A form file that cannot be used; `problems` says why."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        super().__init__(f"{source}: {len(problems)} problem(s)\n" + "\n".join(map(str, problems)))
        self.source = source
        self.problems = problems


def _dotted(loc: Location) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")


def _line_of(root: yaml.Node | None, loc: Location) -> int | None:
    node, line = root, None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        node = _child(node, part)
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return value  # type: ignore[no-any-return]
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None


def _parse(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    try:
        return yaml.safe_load(text), yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise FormError(source, [Problem("", line, f"not valid YAML: {error}")]) from error


def check_form_text(text: str, source: str = "<form>") -> tuple[Form | None, list[Problem]]:
    """Validate a form's YAML text: the form when usable, and every problem found."""
    data, root = _parse(text, source)
    if not isinstance(data, dict):
        return None, [Problem("", 1, "a form is a mapping of keys such as id, version, questions")]
    try:
        form = Form.model_validate(data)
    except ValidationError as error:
        problems = [
            Problem(_dotted(e["loc"]), _line_of(root, e["loc"]), e["msg"]) for e in error.errors()
        ]
        return None, problems
    found = content_problems(form)
    return form, [Problem(_dotted(loc), _line_of(root, loc), msg) for loc, msg in found]


def load_form(path: Path) -> Form:
    """A valid form from a file; raises `FormError` listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FormError(str(path), [Problem("", None, f"cannot read the file: {error}")]) from error
    form, problems = check_form_text(text, str(path))
    if form is None or problems:
        raise FormError(str(path), problems)
    return form
