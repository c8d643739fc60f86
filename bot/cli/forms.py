"""`vertelpunt forms`: validate story forms."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.forms.loader import FormError, check_form_text

app = typer.Typer(help="Story forms.", no_args_is_help=True)


@app.command()
def check(file: Annotated[Path, typer.Argument(help="The form file (YAML).")]) -> None:
    """Validate a form; print every problem with its place in the file."""
    try:
        form, problems = check_form_text(file.read_text(encoding="utf-8"), str(file))
    except OSError as error:
        typer.echo(f"{file}: cannot read: {error}", err=True)
        raise typer.Exit(1) from error
    except FormError as error:
        problems, form = error.problems, None
    for problem in problems:
        # One line per problem, file:line: path: message, as compilers print them.
        typer.echo(f"{file}:{problem.line or 0}: {problem.path or '(form)'}: {problem.message}")
    if form is None or problems:
        typer.echo(f"{len(problems)} problem(s)")
        raise typer.Exit(1)
    typer.echo(f"{file}: ok ({form.id} version {form.version}, {len(form.languages)} languages)")
