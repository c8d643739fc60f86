"""The question types a form can use, one module each, found by their module's name.

A new type is one new module here that defines `QUESTION_TYPE` (a `QuestionType` whose
`name` is the module's name), plus its texts in the form and catalogues.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from flows.questions.base import QuestionType

NOT_TYPES = frozenset({"base"})


def discover(package: str, path: Iterable[str]) -> dict[str, QuestionType]:
    """Every question type defined by the modules of `package` (at `path`), by name."""
    found: dict[str, QuestionType] = {}
    for module_info in pkgutil.iter_modules(path):
        if module_info.name in NOT_TYPES:
            continue
        module = importlib.import_module(f"{package}.{module_info.name}")
        defined = getattr(module, "QUESTION_TYPE", None)
        if not isinstance(defined, QuestionType) or defined.name != module_info.name:
            raise TypeError(f"{module.__name__} must define a QUESTION_TYPE named "
                            f"{module_info.name!r}")
        found[defined.name] = defined
    return found


QUESTION_TYPES: dict[str, QuestionType] = discover(__name__, __path__)
"""Every question type by name."""


def question_type(name: str) -> QuestionType:
    """The question type with this name (a form names it in `type`)."""
    return QUESTION_TYPES[name]
