"""The peer: what a developer would write instead of Vertelpunt, for bench_telegram_webhook.py.

A plain python-telegram-bot 22 bot: one ConversationHandler that asks the questions of the
default form (flows/forms/default.yaml, the Dutch texts; button labels from
flows/catalogue/nl.yaml), served as a webhook with Starlette and uvicorn as in PTB's
"custom webhook" example (the handler puts the update on the application's queue and answers
200 at once; PTB then runs the handlers one update at a time, its default). State and answers
are kept with PTB's own PicklePersistence (one pickle file, PTB's default update_interval of
60 s, flushed on a clean stop): what the documentation shows, not a database.

What it does per update mirrors Vertelpunt's default form, step by step: /start sends the four
hello messages and the consent question; every button press answers the callback, closes the
pressed question (its text becomes "Uw antwoord: <label>", the buttons go) and asks the next;
the multiple choice toggles its check marks by editing the keyboard; texts are the story parts,
the title and the free-text question. Left out: scrubbing, language detection, NLU of typed
answers, the voice features, check-ins, erasure, every other language; the story is kept as
typed. Buttons carry `<question id>:<choice id>` (Vertelpunt: `<token>:<choice id>`), so the
same scripted residents (`resident_script`) drive it with the same number of updates.

Not an ordinary bot in one respect: the scripted residents cannot know the message_id of the
question they answer, so the bot remembers the message_id of the question it asked last
(user_data) and edits that one instead of `query.message`.

Run by the bench:  python bench/peer_ptb_bot.py --port PORT --persistence FILE
(token, Bot API address and webhook secret from the VERTELPUNT_TELEGRAM_* variables).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from telegram import Update  # noqa: E402
from telegram.ext import CallbackContext, ExtBot  # noqa: E402

from flows.forms.loader import load_form  # noqa: E402
from flows.forms.schema import Question  # noqa: E402
from tests.scripts import FULL_CONVERSATION  # noqa: E402

FORM = load_form(REPO / "flows" / "forms" / "default.yaml")
BUTTONS: dict[str, str] = yaml.safe_load(
    (REPO / "flows" / "catalogue" / "nl.yaml").read_text(encoding="utf-8"))["choice"]
ANSWERED: str = yaml.safe_load(
    (REPO / "flows" / "catalogue" / "nl.yaml").read_text(encoding="utf-8"))["answered"]
QUESTIONS: list[Question] = FORM.questions + FORM.about
CONSENT, AGE, PROMPT, STORY, CONFIRM, TITLE, QUESTION, FOLLOW_UP, ANOTHER = range(9)
# The question each step of tests.scripts.FULL_CONVERSATION answers (None: typed text).
SCRIPT_QUESTIONS = ["consent", "age", "prompt", None, None, "story", "confirm", None,
                    "feeling", "helped", "influence", "topics", "topics", "topics",
                    "frequency", "belonging", None, "age_group", "neighbourhood", "gender",
                    "follow_up", "another"]
Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]
STORY_ANSWERS = len(FORM.questions)
"""Answers per resident the peer keeps (one per story question), as Vertelpunt's answer rows."""


def text(key: str) -> str:
    value: str = FORM.texts[key]["nl"]
    return value.format(organisation="Gemeente Voorbeeld", contact="14 020")


def resident_script() -> list[tuple[str, str]]:
    """(kind, value) per update: ("command", "start"), ("text", ...), ("data", "q:choice")."""
    script = [("command", "start")]
    for (kind, value), question in zip(FULL_CONVERSATION, SCRIPT_QUESTIONS, strict=True):
        script.append(("text", value) if kind == "text" else ("data", f"{question}:{value}"))
    return script


def options(question: Question) -> list[tuple[str, str]]:
    """(id, label) of a question's buttons, "skip" and "rather not say" included."""
    if question.type == "triad":
        corners = {c.id[0]: c.label["nl"] for c in question.corners}
        shown = [(ids, " + ".join(corners[i] for i in ids))
                 for ids in ("a", "b", "c", "ab", "bc", "ca", "abc") if all(
                     i in corners for i in ids)]
    else:
        shown = [(o.id, o.label["nl"]) for o in question.options]
    extra = ["done"] if question.type == "multi_choice" else []
    extra += ["skip", "decline"] if question.skippable else []
    return shown + [(key, BUTTONS[key]) for key in extra]


def keyboard(qid: str, choices: list[tuple[str, str]], picked: frozenset[str] = frozenset(),
             ) -> Any:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    return InlineKeyboardMarkup([[InlineKeyboardButton(
        ("✔️ " if cid in picked else "") + label, callback_data=f"{qid}:{cid}")]
        for cid, label in choices])


def build_application(token: str, api_url: str, persistence_file: str) -> Any:
    from telegram.ext import (
        Application,
        CallbackQueryHandler,
        CommandHandler,
        ConversationHandler,
        MessageHandler,
        PicklePersistence,
        TypeHandler,
        filters,
    )

    fixed = {
        "consent": [(k, BUTTONS[k]) for k in ("yes", "more", "no")],
        "age": [(k, BUTTONS[k]) for k in ("age_yes", "age_no")],
        "prompt": [(p.id, p.label["nl"]) for p in FORM.prompts] + [("skip", BUTTONS["skip"])],
        "story": [("done", BUTTONS["done"])],
        "confirm": [(k, BUTTONS[k]) for k in ("save", "retell", "withdraw")],
        "title": [("skip", BUTTONS["skip"])],
        "follow_up": [(k, BUTTONS[k]) for k in ("yes", "no")],
        "another": [(k, BUTTONS[k]) for k in ("yes", "no")],
    }

    async def ask(update: Update, context: Context, body: str, qid: str,
                  choices: list[tuple[str, str]]) -> None:
        assert update.effective_chat is not None and context.user_data is not None
        sent = await context.bot.send_message(update.effective_chat.id, body,
                                              reply_markup=keyboard(qid, choices))
        context.user_data["asked"] = (qid, sent.message_id)

    async def say(update: Update, context: Context, *bodies: str) -> None:
        assert update.effective_chat is not None
        for body in bodies:
            await context.bot.send_message(update.effective_chat.id, body)

    async def close(update: Update, context: Context, label: str) -> None:
        assert update.effective_chat is not None and context.user_data is not None
        _, message_id = context.user_data["asked"]
        await context.bot.edit_message_text(ANSWERED.format(label=label),
                                            update.effective_chat.id, message_id)

    async def pressed(update: Update, context: Context, qid: str) -> str | None:
        """The choice of a press on the pending question, else None (an old button)."""
        query = update.callback_query
        assert query is not None and context.user_data is not None
        await query.answer()
        asked, _, choice = (query.data or "").partition(":")
        return choice if asked == qid == context.user_data["asked"][0] else None

    def label_of(qid: str, choice: str) -> str:
        return dict(fixed[qid]).get(choice, choice)

    async def start(update: Update, context: Context) -> int:
        assert context.user_data is not None
        context.user_data.clear()
        context.user_data.update(story=[], answers={}, about={})
        await say(update, context, text("hello"), text("hello_what"), text("hello_anonymous"),
                  text("hello_contact"))
        await ask(update, context, text("consent_question"), "consent", fixed["consent"])
        return CONSENT

    def step(qid: str, then: Any) -> Any:
        async def handler(update: Update, context: Context) -> int | None:
            choice = await pressed(update, context, qid)
            if choice is None:
                return None  # an old button: the conversation stays where it is
            await close(update, context, label_of(qid, choice))
            result: int = await then(update, context, choice)
            return result
        return handler

    async def after_consent(update: Update, context: Context, choice: str) -> int:
        await ask(update, context, text("age_question"), "age", fixed["age"])
        return AGE

    async def after_age(update: Update, context: Context, choice: str) -> int:
        await ask(update, context, text("prompt_question"), "prompt", fixed["prompt"])
        return PROMPT

    async def after_prompt(update: Update, context: Context, choice: str) -> int:
        assert context.user_data is not None
        context.user_data["prompt"] = choice
        prompt = next((p for p in FORM.prompts if p.id == choice), None)
        if prompt is not None:
            await say(update, context, prompt.text["nl"])
        await ask(update, context, text("story_start"), "story", fixed["story"])
        return STORY

    async def story_text(update: Update, context: Context) -> int:
        assert update.message is not None and context.user_data is not None
        context.user_data["story"].append(update.message.text or "")
        await ask(update, context, text("story_more"), "story", fixed["story"])
        return STORY

    async def after_story(update: Update, context: Context, choice: str) -> int:
        assert context.user_data is not None
        await say(update, context, text("confirm_intro"), "\n\n".join(context.user_data["story"]))
        await ask(update, context, text("confirm_question"), "confirm", fixed["confirm"])
        return CONFIRM

    async def after_confirm(update: Update, context: Context, choice: str) -> int:
        await ask(update, context, text("title_question"), "title", fixed["title"])
        return TITLE

    async def title_text(update: Update, context: Context) -> int:
        assert update.message is not None and context.user_data is not None
        context.user_data["title"] = update.message.text
        await close(update, context, update.message.text or "")
        await say(update, context, text("questions_intro"))
        context.user_data["q"] = 0
        await ask_question(update, context)
        return QUESTION

    async def ask_question(update: Update, context: Context) -> None:
        assert context.user_data is not None
        question = QUESTIONS[context.user_data["q"]]
        context.user_data["picked"] = []
        await ask(update, context, question.text["nl"], question.id, options(question))

    async def answer_question(update: Update, context: Context, value: Any, label: str) -> int:
        assert context.user_data is not None
        index = context.user_data["q"]
        question = QUESTIONS[index]
        kept = "answers" if index < STORY_ANSWERS else "about"
        context.user_data[kept][question.id] = value
        await close(update, context, label)
        context.user_data["q"] = index = index + 1
        if index == len(QUESTIONS):
            await ask(update, context, text("follow_up_question"), "follow_up",
                      fixed["follow_up"])
            return FOLLOW_UP
        if index == STORY_ANSWERS:
            await say(update, context, text("about_intro"))
        await ask_question(update, context)
        return QUESTION

    async def question_press(update: Update, context: Context) -> int | None:
        assert context.user_data is not None and update.callback_query is not None
        question = QUESTIONS[context.user_data["q"]]
        choice = await pressed(update, context, question.id)
        if choice is None:
            return None
        labels = dict(options(question))
        picked: list[str] = context.user_data["picked"]
        if question.type == "multi_choice" and choice not in ("done", "skip", "decline"):
            picked.remove(choice) if choice in picked else picked.append(choice)
            await context.bot.edit_message_reply_markup(
                update.callback_query.from_user.id, context.user_data["asked"][1],
                reply_markup=keyboard(question.id, options(question), frozenset(picked)))
            return QUESTION
        if question.type == "multi_choice" and choice == "done":
            return await answer_question(update, context, list(picked),
                                         ", ".join(labels[p] for p in picked))
        return await answer_question(update, context, choice, labels.get(choice, choice))

    async def question_text(update: Update, context: Context) -> int:
        assert update.message is not None and context.user_data is not None
        question = QUESTIONS[context.user_data["q"]]
        if question.type != "free_text":
            return QUESTION
        words = update.message.text or ""
        return await answer_question(update, context, words, words)

    async def after_follow_up(update: Update, context: Context, choice: str) -> int:
        assert context.user_data is not None
        context.user_data["follow_up"] = choice
        await say(update, context, text("thanks"))
        await ask(update, context, text("another_question"), "another", fixed["another"])
        return ANOTHER

    async def after_another(update: Update, context: Context, choice: str) -> int:
        await say(update, context, text("goodbye"))
        return ConversationHandler.END

    typed = filters.TEXT & ~filters.COMMAND
    # per_message=False (one conversation per user) with button handlers: PTB warns that
    # buttons are not tracked per message, which is what this bot wants.
    warnings.filterwarnings("ignore", message="If 'per_message=False'")
    conversation = ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={
            CONSENT: [CallbackQueryHandler(step("consent", after_consent))],
            AGE: [CallbackQueryHandler(step("age", after_age))],
            PROMPT: [CallbackQueryHandler(step("prompt", after_prompt))],
            STORY: [MessageHandler(typed, story_text),
                    CallbackQueryHandler(step("story", after_story))],
            CONFIRM: [CallbackQueryHandler(step("confirm", after_confirm))],
            TITLE: [MessageHandler(typed, title_text)],
            QUESTION: [CallbackQueryHandler(question_press), MessageHandler(typed, question_text)],
            FOLLOW_UP: [CallbackQueryHandler(step("follow_up", after_follow_up))],
            ANOTHER: [CallbackQueryHandler(step("another", after_another))],
        },
        fallbacks=[CommandHandler("start", start)],
        name="story", persistent=True, allow_reentry=True,
    )
    processed = {"updates": 0}

    async def count(update: Update, context: Context) -> None:
        processed["updates"] += 1

    application = (Application.builder().token(token).base_url(api_url).updater(None)
                   .persistence(PicklePersistence(filepath=persistence_file)).build())
    application.add_handler(conversation)
    application.add_handler(TypeHandler(Update, count), group=1)
    application.bot_data["processed"] = processed
    return application


def serve(port: int, persistence_file: str) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    secret = os.environ["VERTELPUNT_TELEGRAM_WEBHOOK_SECRET"]
    ptb = build_application(os.environ["VERTELPUNT_TELEGRAM_TOKEN"],
                            os.environ["VERTELPUNT_TELEGRAM_API_URL"], persistence_file)
    processed = ptb.bot_data["processed"]

    async def webhook(request: Request) -> Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
            return Response(status_code=403)
        await ptb.update_queue.put(Update.de_json(await request.json(), ptb.bot))
        return Response()

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "processed": processed["updates"]})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with ptb:
            await ptb.start()
            yield
            await ptb.stop()

    app = Starlette(routes=[Route("/webhooks/telegram", webhook, methods=["POST"]),
                            Route("/healthz", healthz)], lifespan=lifespan)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                timeout_keep_alive=75)


def stored_answers(persistence_file: str) -> dict[int, int]:
    """Story answers kept per resident (Telegram user id), read from the pickle file."""
    if not Path(persistence_file).exists():
        return {}
    with open(persistence_file, "rb") as kept:
        data = pickle.load(kept)  # our own file, written by the peer
    users: dict[int, dict[str, Any]] = data.get("user_data", {})
    return {user: len(values.get("answers", {})) for user, values in users.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--persistence", required=True)
    args = parser.parse_args()
    serve(args.port, args.persistence)


if __name__ == "__main__":
    main()
