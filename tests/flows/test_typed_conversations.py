"""A resident who never taps a button completes a whole story by typing, in every language."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.channels.terminal import TerminalChat
from bot.service import Collaborators, ConversationService
from flows.events import SaveAbout, SaveAnswer, SaveStory
from flows.forms.schema import Form
from flows.texts import Texts
from nlu import answers
from nlu.factory import build_intent_parser
from nlu.first_words import guess_language, language_named
from storage.migrate import upgrade
from tests.conftest import REPO, TEST_SECRET
from tests.scripts import EngineChat

CONVERSATIONS: dict[str, list[str]] = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "data" / "typed_conversations.yaml").read_text(
        encoding="utf-8"))["conversations"]
PARSER = build_intent_parser(None)
ANSWERS = {
    "feeling": ("answered", {"option": "sad"}),
    "helped": ("answered", {"option": "a"}),
    "influence": ("answered", {"option": "s2"}),
    "topics": ("answered", {"options": ["money", "housing"]}),
    "frequency": ("answered", {"option": "often"}),
    "belonging": ("declined", None),
}
ABOUT = {
    "age_group": ("answered", {"option": "a45_65"}),
    "neighbourhood": ("answered", {"option": "noord"}),
    "gender": ("skipped", None),
}


def _first_words(text: str, hint: str | None) -> tuple[str, float] | None:
    guess = guess_language(text, hint)
    return (guess.language, guess.probability) if guess else None


@pytest.mark.parametrize("language", sorted(CONVERSATIONS))
def test_a_whole_story_by_typing_only(form: Form, texts: Texts, language: str) -> None:
    chat = EngineChat(form, texts, nlu=PARSER, guess_language=_first_words,
                      language_named=language_named)
    for line in CONVERSATIONS[language]:
        chat.text(line)
    assert chat.state.step == "ended" and chat.state.language == language
    stories = [e for e in chat.effects if isinstance(e, SaveStory)]
    assert len(stories) == 1 and stories[0].language == language
    assert stories[0].text == max(CONVERSATIONS[language], key=len)
    saved = {e.question_id: (e.status, e.value) for e in chat.effects
             if isinstance(e, SaveAnswer)}
    assert {k: v for k, v in saved.items() if k != "wish"} == ANSWERS
    assert saved["wish"][0] == "answered"
    about = {e.question_id: (e.status, e.value) for e in chat.effects
             if isinstance(e, SaveAbout)}
    assert about == ABOUT
    not_understood = texts.get("no_match", language)
    assert not [o for o in chat.outbox if o.text == not_understood]


def _lines(out: io.StringIO | str) -> list[dict[str, Any]]:
    text = out.getvalue() if isinstance(out, io.StringIO) else out
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_typed_conversations_through_the_terminal_chat(
    service: ConversationService, texts: Texts
) -> None:
    service.collaborators = Collaborators(
        nlu=PARSER, answers=answers, guess_language=_first_words, language_named=language_named)
    for language, conversation in CONVERSATIONS.items():
        # The terminal opens with the hello: a Dutch greeting after it has nothing to answer.
        lines = conversation[1:] if language == "nl" else conversation
        out = io.StringIO()
        chat = TerminalChat(service, f"typist-{language}", out, jsonl=True)
        chat.run(json.dumps({"text": line}, ensure_ascii=False) + "\n" for line in lines)
        got = _lines(out)
        assert not [m for m in got if "error" in m], language
        # One turn for opening the chat, then one per line.
        assert sum(1 for m in got if m.get("turn_end")) == len(lines) + 1, language
        said = [m["text"] for m in got if "text" in m]
        assert said[-1] == texts.get("goodbye", language), language
        assert texts.get("no_match", language) not in said, language


def test_typed_conversation_through_the_chat_command(tmp_path: Path, texts: Texts) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    upgrade(url)
    env = {**os.environ, "VERTELPUNT_DATABASE_URL": url, "VERTELPUNT_SECRET_KEY": TEST_SECRET,
           "PYTHONUNBUFFERED": "1"}
    lines = CONVERSATIONS["pl"]
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "chat", "--jsonl", "--user", "ola"],
        input="".join(json.dumps({"text": line}, ensure_ascii=False) + "\n" for line in lines),
        capture_output=True, text=True, env=env, cwd=REPO, timeout=180, encoding="utf-8",
    )
    assert done.returncode == 0, done.stderr
    got = _lines(done.stdout)
    assert not [m for m in got if "error" in m]
    said = [m["text"] for m in got if "text" in m]
    assert said[-1] == texts.get("goodbye", "pl")
    assert texts.get("no_match", "pl") not in said
