"""`vertelpunt forms`: validate story forms."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.forms.loader import FormError, check_form_text

app = typer.Typer(help="Story forms.", no_args_is_help=True)
out = Console()


@app.command()
def check(file: Annotated[Path, typer.Argument(help="The form file (YAML).")]) -> None:
    """Validate a form; print every problem with its place in the file."""
    try:
        form, problems = check_form_text(file.read_text(encoding="utf-8"), str(file))
    except OSError as error:
        out.print(f"{file}: cannot read: {error}")
        raise typer.Exit(1) from error
    except FormError as error:
        problems, form = error.problems, None
    for problem in problems:
        out.print(f"{file}:{problem}", markup=False, highlight=False)
    if form is None or problems:
        out.print(f"{len(problems)} problem(s)")
        raise typer.Exit(1)
    out.print(f"{file}: ok ({form.id} version {form.version}, {len(form.languages)} languages)")
