"""Typed answers: labels without emoji, ordinals, small typos, several options, done words."""

# ruff: noqa: RUF001  # multilingual texts use Turkish, Cyrillic and Arabic letters on purpose

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.answers import (
    LAST,
    AnswerWordsError,
    allowed_edits,
    choice_for_number,
    fuzzy_match,
    is_done_word,
    label_key,
    load_answer_words,
    ordinal_position,
    reply_key,
    split_options,
)
from nlu.intents import SUPPORTED_LANGUAGES


@pytest.mark.parametrize(
    ("label", "typed"),
    [
        ("2️⃣ Een beetje", "een beetje"), ("2️⃣ Biraz", "biraz"), ("1️⃣ Wcale", "WCALE"),
        ("1️⃣ Not at all", "not at all"), ("4️⃣ Veel", "veel!"), ("✅ Klaar", "Klaar"),
        ("[1] ✅ Klaar", "klaar"), ("👥🏛️ Mensen en hulpverlener", "mensen en hulpverlener"),
        ("🛡️ Bezpieczeństwo", "bezpieczenstwo"), ("🏠 Жильё", "жилье"), ("😢 حزن", "حزن"),
        ("1. Ja", "ja"), ("🌐 Türkçe", "turkce"), ("🔄 Sık sık", "sik sik"),
    ],
)
def test_a_label_is_typed_without_its_emoji_or_number(label: str, typed: str) -> None:
    assert label_key(label) == reply_key(typed) != ""


def test_a_number_that_is_part_of_the_label_stays() -> None:
    assert label_key("🧑 16 tot 25") == reply_key("16 tot 25")
    assert label_key("🧓 80 of ouder") != label_key("🧓 Ouder")


def test_emoji_and_punctuation_are_not_part_of_a_reply() -> None:
    assert reply_key("  Een   BEETJE 👍!! ") == reply_key("een beetje")
    assert reply_key("👍") == ""


@pytest.mark.parametrize(
    ("typed", "position"),
    [
        ("de tweede", 2), ("Tweede!", 2), ("2e", 2), ("1e", 1), ("de 2e", 2), ("8ste", 8),
        ("3de", 3), ("the second one", 2), ("second", 2), ("2nd", 2), ("3rd", 3),
        ("ikincisi", 2), ("ikinci", 2), ("üçüncüsü", 3), ("ucuncu", 3), ("2'si", 2),
        ("2.si", 2), ("ilk", 1), ("drugie", 2), ("druga", 2), ("pierwszy", 1), ("trzecią", 3),
        ("друга", 2), ("другий", 2), ("перший", 1), ("второй", 2), ("вторую", 2),
        ("2-й", 2), ("третий", 3), ("الثاني", 2), ("الثانية", 2), ("الأول", 1),
        ("2.", 2), ("nummer 3", 3), ("number 4", 4), ("номер 2", 2), ("de laatste", LAST),
        ("last", LAST), ("ostatni", LAST), ("последний", LAST),
    ],
)
def test_ordinals_in_every_language(typed: str, position: int) -> None:
    assert ordinal_position(typed) == position


@pytest.mark.parametrize(
    "typed", ["2", "45", "0e", "de tweede en derde", "tweede keer", "друг", "een", "", "🙂"]
)
def test_what_is_not_one_ordinal_is_none(typed: str) -> None:
    # A bare number is a choice's number or an answer (an age), not an ordinal.
    assert ordinal_position(typed) is None


def test_ordinals_only_in_the_languages_asked_for() -> None:
    assert ordinal_position("ikincisi", ["nl", "en"]) is None
    assert ordinal_position("ikincisi", ["tr"]) == 2
    assert ordinal_position("2e", ["tr"]) is None


def _fuzzy(reply: str, phrases: dict[str, str]) -> str | None:
    found = fuzzy_match(reply, phrases)
    return found[0] if found is not None else None


SCALE = {
    "1️⃣ Helemaal niet": "s1", "2️⃣ Een beetje": "s2", "3️⃣ Half": "s3", "4️⃣ Veel": "s4",
    "5️⃣ Helemaal": "s5", "weinig": "s2", "volledig": "s5",
}


@pytest.mark.parametrize(
    ("typed", "choice"),
    [
        ("een beetje", "s2"), ("een beetej", "s2"), ("een betje", "s2"), ("helemaal nit", "s1"),
        ("helemal", "s5"), ("Veel", "s4"), ("veeel", "s4"), ("halff", "s3"), ("wienig", "s2"),
        ("volledug", "s5"),
    ],
)
def test_small_typos_still_find_their_choice(typed: str, choice: str) -> None:
    assert _fuzzy(typed, SCALE) == choice


@pytest.mark.parametrize("typed", ["hlf", "ha", "iets heel anders", "beetje veel", ""])
def test_far_or_short_replies_find_nothing(typed: str) -> None:
    assert _fuzzy(typed, SCALE) is None


def test_equally_close_to_two_choices_is_no_guess() -> None:
    phrases = {"🅰️ Bart": "a", "🅱️ Bert": "b"}
    assert _fuzzy("bort", phrases) is None
    assert _fuzzy("bart", phrases) == "a"


def test_a_typo_is_told_apart_from_the_phrase_itself() -> None:
    assert fuzzy_match("een beetje", SCALE) == ("s2", False)
    assert fuzzy_match("een beetej", SCALE) == ("s2", True)


def test_typos_forgiven_grow_with_length() -> None:
    assert [allowed_edits(n) for n in (1, 3, 4, 6, 7, 20)] == [0, 0, 1, 1, 2, 2]


def test_fuzzy_matching_in_cyrillic_and_arabic() -> None:
    feelings = {"😢 Грусть": "sad", "😠 Злость": "angry", "😢 حزن": "sad", "😠 غضب": "angry"}
    assert _fuzzy("грусь", feelings) == "sad"
    assert _fuzzy("злостъ", feelings) == "angry"
    assert _fuzzy("غضب", feelings) == "angry"


TOPICS = ["💶 Geld en schulden", "🏠 Wonen", "👥🏛️ Mensen en hulpverlener", "🏠 Ev ve konut"]


@pytest.mark.parametrize(
    ("typed", "languages", "parts"),
    [
        ("geld, huis", ["nl"], ["geld", "huis"]),
        ("geld en huis", ["nl"], ["geld", "huis"]),
        ("mensen en een beetje ikzelf", ["nl"], ["mensen", reply_key("een beetje ikzelf")]),
        ("geld en schulden, wonen", ["nl"], [reply_key("geld en schulden"), "wonen"]),
        ("mensen en hulpverlener", ["nl"], [reply_key("mensen en hulpverlener")]),
        ("para ve ev", ["tr"], ["para", "ev"]),
        ("Ev ve konut", ["tr"], [reply_key("ev ve konut")]),
        ("money and housing", ["en"], ["money", reply_key("housing")]),
        ("pieniądze i mieszkanie", ["pl"], [reply_key("pieniadze"), reply_key("mieszkanie")]),
        ("гроші та житло", ["uk"], [reply_key("гроші"), reply_key("житло")]),
        ("деньги и жильё", ["ru"], [reply_key("деньги"), reply_key("жилье")]),
        ("المال والسكن", ["ar"], ["المال", "السكن"]),
        ("المال و السكن", ["ar"], ["المال", "السكن"]),
        ("1, 3 / 4", ["nl"], ["1", "3", "4"]),
        ("geld", ["nl"], ["geld"]),
    ],
)
def test_one_reply_split_into_the_options_it_names(
    typed: str, languages: list[str], parts: list[str]
) -> None:
    assert split_options(typed, languages, keep=TOPICS) == parts


def test_joiners_of_other_languages_do_not_split() -> None:
    # Polish "a" and "i" are joiners; in English they are words.
    assert split_options("a little", ["en"]) == [reply_key("a little")]
    assert split_options("a little", ["pl"]) == [reply_key("little")]


@pytest.mark.parametrize(
    "typed",
    ["klaar", "Klaar!", "done", "DONE", "gotowe", "tamam", "bitti", "готово", "всё", "انتهيت",
     "خلاص", "ik ben klaar", "that's it"],
)
def test_done_words_in_every_language(typed: str) -> None:
    assert is_done_word(typed)


@pytest.mark.parametrize("typed", ["klaar ermee niet", "ok", "✅", "", "geld"])
def test_other_replies_are_not_done(typed: str) -> None:
    assert not is_done_word(typed)


def test_done_words_can_be_limited_and_extended() -> None:
    assert not is_done_word("gotowe", ["nl"])
    assert is_done_word("afgerond", ["nl"], extra=["afgerond"])


def test_every_language_has_every_kind_of_answer_word() -> None:
    words = load_answer_words()
    assert set(words) == set(SUPPORTED_LANGUAGES)
    for language, entry in words.items():
        assert sorted(set(entry.ordinals.values())) == list(range(1, 11)), language
        assert entry.last and entry.fillers and entry.joiners and entry.done, language


def test_a_malformed_word_file_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "answers.yml"
    broken.write_text("languages:\n  nl:\n    ordinals: tweede\n")
    with pytest.raises(AnswerWordsError):
        load_answer_words(broken)


AGES = {
    "under_16": "🧒 Jonger dan 16", "a16_25": "🧑 16 tot 25", "a25_45": "🧑 25 tot 45",
    "a45_65": "🧑 45 tot 65", "a65_80": "🧓 65 tot 80", "a80_plus": "🧓 80 of ouder",
}
AGES_RU = {
    "under_16": "🧒 До 16", "a16_25": "🧑 От 16 до 25", "a25_45": "🧑 От 25 до 45",
    "a45_65": "🧑 От 45 до 65", "a65_80": "🧓 От 65 до 80", "a80_plus": "🧓 80 и больше",
}


@pytest.mark.parametrize(
    ("value", "choice"),
    [(45, "a45_65"), (44, "a25_45"), (15, "under_16"), (16, "a16_25"), (79, "a65_80"),
     (80, "a80_plus"), (101, "a80_plus")],
)
def test_a_number_falls_in_the_range_a_label_names(value: int, choice: str) -> None:
    assert choice_for_number(value, AGES) == choice
    assert choice_for_number(value, AGES_RU) == choice


def test_labels_without_ranges_take_no_number() -> None:
    assert choice_for_number(3, {"once": "1️⃣ Eén keer", "often": "🔄 Vaak"}) is None
    assert choice_for_number(3, {"a": "😀 Blij"}) is None
