"""`vertelpunt nlu ...`: parse residents' free text and measure intent accuracy."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Final

import httpx
import typer

from nlu.evaluation import EvalReport, embedded_for, evaluate, held_out_split
from nlu.factory import build_intent_parser
from nlu.intents import IntentResult
from nlu.rasa_client import RasaParser

RASA_URL_ENV: Final = "VERTELPUNT_RASA_URL"
EVAL_TIMEOUT: Final = 2.0
"""Evaluation measures accuracy, not latency: give Rasa time so it does not fall back."""

app = typer.Typer(
    help="Understand residents' free-text replies: parse texts, measure accuracy.",
    no_args_is_help=True,
)


def rasa_url_from_env(environ: Mapping[str, str] = os.environ) -> str | None:
    """The Rasa NLU base URL, or None for the embedded matcher only (one place to swap)."""
    return environ.get(RASA_URL_ENV) or None


def _format(result: IntentResult, as_json: bool) -> str:
    """One output line for one parse."""
    if as_json:
        payload = {
            "intent": result.intent,
            "confidence": result.confidence,
            "engine": result.engine,
        }
        return json.dumps(payload, ensure_ascii=False)
    return f"{result.intent}\t{result.confidence:.2f}\t{result.engine}"


@app.command()
def parse(
    text: Annotated[
        str | None, typer.Argument(help="Text to parse; without it, one text per line on stdin.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    language: Annotated[
        str | None, typer.Option("--language", "-l", help="Language hint, e.g. nl.")
    ] = None,
) -> None:
    """Print intent, confidence and engine for each text."""
    parser = build_intent_parser(rasa_url_from_env())
    texts: Iterable[str] = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for item in texts:
        typer.echo(_format(parser.parse(item, language), as_json))


def _print_report(title: str, report: EvalReport, show_misses: bool) -> None:
    """Accuracy overall, per language and per intent, in plain columns."""
    typer.echo(f"{title}: accuracy {report.accuracy:.3f} ({report.correct}/{report.total})")
    typer.echo(
        f"  not seen in training (after normalising): {report.novel_accuracy:.3f} "
        f"({report.novel_correct}/{report.novel_total})"
    )
    typer.echo("  per language: " + _columns(report.language_accuracy()))
    typer.echo("  per intent:   " + _columns(report.intent_accuracy()))
    if set(report.engines) - {"rasa", "embedded"} or len(report.engines) > 1:
        typer.echo(f"  answered by: {dict(report.engines)}")
    if show_misses:
        for miss in report.misses:
            example = miss.example
            typer.echo(
                f"  miss [{example.language}] {example.text!r}: {example.intent} -> "
                f"{miss.predicted}"
            )


def _evaluate_typed_answers(show_misses: bool) -> None:
    """Typed answers read as meant, per language and question, with derailments counted."""
    # Imported here: the intent commands need neither the form nor the engine.
    from bot.answers_eval import evaluate_answers, load_cases, split_cases
    from bot.settings import PACKAGE_ROOT
    from flows.context import Context
    from flows.forms.loader import load_form
    from flows.texts import Texts
    from nlu import answers
    from nlu.first_words import language_named

    form = load_form(PACKAGE_ROOT / "flows" / "forms" / "default.yaml")
    texts = Texts(form, {"organisation": "Vertelpunt", "contact": "14 020"})
    ctx = Context(form=form, texts=texts, now=datetime.now(UTC), new_id=lambda: "eval",
                  nlu=build_intent_parser(None), answers=answers, language_named=language_named)
    split = split_cases(load_cases())
    report = evaluate_answers(split.held_out, ctx)
    typer.echo(f"typed answers, held-out split: {report.total} replies "
               f"(tuned on {len(split.tuned)})")
    typer.echo(f"accuracy {report.accuracy:.3f} ({report.correct}/{report.total}), "
               f"derailments {report.derailments}")
    typer.echo("  per language: " + _columns(report.accuracy_by(0)))
    typer.echo("  per question type: " + _columns(report.accuracy_by(1)))
    if show_misses:
        for case, outcome in report.misses:
            typer.echo(f"  miss [{case.language}] {case.question} {case.reply!r}: {case.meant} "
                       f"-> {outcome.read_as}{' (derailed)' if outcome.derailed else ''}")


def _columns(values: Mapping[str, float]) -> str:
    """`key 0.950` pairs in key order."""
    return "  ".join(f"{key} {value:.3f}" for key, value in sorted(values.items()))


def _rasa_answers(url: str) -> bool:
    """True when something that looks like a Rasa server answers at `url`."""
    try:
        response = httpx.get(url.rstrip("/") + "/", timeout=EVAL_TIMEOUT)
    except httpx.HTTPError:
        return False
    return response.status_code == httpx.codes.OK and "rasa" in response.text.lower()


@app.command("eval")
def evaluate_command(
    show_misses: Annotated[
        bool, typer.Option("--misses", help="List every wrongly classified example.")
    ] = False,
    typed_answers: Annotated[
        bool, typer.Option("--answers", help="Measure typed answers to questions instead, "
                           "on the held-out split of the typed-answer corpus.")
    ] = False,
) -> None:
    """Accuracy per language and per intent on the held-out split, for both engines."""
    if typed_answers:
        _evaluate_typed_answers(show_misses)
        return
    split = held_out_split()
    embedded = embedded_for(split)
    typer.echo(f"held-out split: {len(split.test)} examples (trained on {len(split.train)})")
    _print_report("embedded", evaluate(embedded, split.test, split.train), show_misses)
    url = rasa_url_from_env()
    if url is None:
        typer.echo(f"rasa: not evaluated ({RASA_URL_ENV} is not set)")
        return
    if not _rasa_answers(url):
        typer.echo(f"rasa: not evaluated (no Rasa server answers at {url})")
        return
    with RasaParser(url, fallback=embedded, timeout=EVAL_TIMEOUT) as rasa:
        report = evaluate(rasa, split.test, split.train)
    _print_report("rasa", report, show_misses)
