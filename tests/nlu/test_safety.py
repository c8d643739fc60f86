"""The safety lexicon: danger and despair in every language, and everyday words left alone."""

# ruff: noqa: RUF001  # multilingual texts use Turkish, Cyrillic and Arabic letters on purpose

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nlu.intents import SUPPORTED_LANGUAGES
from nlu.safety import (
    LEXICON_PATH,
    DangerCategory,
    LexiconError,
    danger_categories,
    load_lexicon,
    mentions_danger,
)

SUICIDE = DangerCategory.SUICIDE
SELF_HARM = DangerCategory.SELF_HARM
VIOLENCE = DangerCategory.DOMESTIC_VIOLENCE
ABUSE = DangerCategory.ABUSE
ACUTE = DangerCategory.ACUTE_DANGER


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Ik wil niet meer leven", SUICIDE),
        ("soms heb ik zelfmoordgedachten", SUICIDE),
        ("ik zie het echt niet meer zitten", SUICIDE),
        ("Hij slaat me!!", VIOLENCE),
        ("ik ben bang dat hij me iets aandoet", VIOLENCE),
        ("ik ben bang dat hij me ooit echt iets aandoet", VIOLENCE),
        ("ik doe mezelf pijn", SELF_HARM),
        ("hij heeft een mes", ACUTE),
        ("I want to die", SUICIDE),
        ("sometimes I think about killing myself", SUICIDE),
        ("I've been cutting myself again", SELF_HARM),
        ("my husband hits me when he drinks", VIOLENCE),
        ("I was sexually abused as a child", ABUSE),
        ("kendimi öldürmek istiyorum", SUICIDE),
        ("kocam beni dövüyor", VIOLENCE),
        ("chcę umrzeć", SUICIDE),
        ("mąż mnie bije", VIOLENCE),
        ("хочу померти", SUICIDE),
        ("мене б'є чоловік", VIOLENCE),
        ("أريد أن أموت", SUICIDE),
        ("وزوجي يضربني كل يوم", VIOLENCE),
        ("ZELFMOORD", SUICIDE),
        ("ik wil dooooood", SUICIDE),
    ],
)
def test_danger_is_recognised_in_each_language(text: str, category: DangerCategory) -> None:
    assert category in danger_categories(text)
    assert mentions_danger(text)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # Russian, and the same words in another order than the lexicon writes them.
        ("хочу умереть", SUICIDE),
        ("умереть хочу, сил больше нет", SUICIDE),
        ("муж меня бьёт", VIOLENCE),
        ("муж опять бьет меня", VIOLENCE),
        ("я думаю он меня убьёт", ACUTE),
        ("режу себя по ночам", SELF_HARM),
        ("chcę się zabić", SUICIDE),
        ("zabić się chcę", SUICIDE),
        ("ik wil dood", SUICIDE),
        ("dood wil ik, echt", SUICIDE),
        ("ik ben bang dat hij me vermoordt", ACUTE),
        ("mijn man heeft me gisteren weer geslagen", VIOLENCE),
        ("slaat mijn man mij weer", VIOLENCE),
        ("myself I want to kill", SUICIDE),
        ("ölmek istiyorum artık", SUICIDE),
        ("istiyorum artık ölmek", SUICIDE),
        ("beni öldürecek", ACUTE),
        ("نفسي أقتل", SUICIDE),
        ("себе вбити хочу", SUICIDE),
    ],
)
def test_russian_and_other_word_orders_are_recognised(text: str, category: DangerCategory) -> None:
    assert category in danger_categories(text)
    assert mentions_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "de hond van de buren is dood",
        "ik wil stoppen met werken",
        "I don't know, beats me",
        "it hits me hard that the library closed",
        "ik was bang dat ik te laat kwam",
        "de gemeente slaat de bal mis",
        "evet belediyeyi aradım",
        "my back is killing me",
        "de buurman slaat zijn hond",
        "я хочу жить в другом районе",
        "муж помогает мне с письмами",
        "ik wil graag dat de dokter langskomt",
        "",
    ],
)
def test_everyday_text_is_not_danger(text: str) -> None:
    assert not mentions_danger(text)


def test_several_categories_at_once() -> None:
    found = danger_categories("hij slaat me en ik wil niet meer leven")
    assert found == {VIOLENCE, SUICIDE}


def test_every_category_has_phrases_in_every_language() -> None:
    document = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    for category in DangerCategory:
        assert set(document["categories"][category.value]) == set(SUPPORTED_LANGUAGES)


def test_a_phrase_in_any_order_has_at_most_three_parts(tmp_path: Path) -> None:
    path = tmp_path / "safety.yml"
    path.write_text(
        "categories:\n  suicide:\n    nl: [a + b + c + d]\n", encoding="utf-8"
    )
    with pytest.raises(LexiconError):
        load_lexicon(path)


def test_malformed_lexicon_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "safety.yml"
    path.write_text("categories:\n  suicide: [not, a, mapping]\n", encoding="utf-8")
    with pytest.raises(LexiconError):
        load_lexicon(path)
