"""The service's scrubber: the report reaches the engine, placeholders show in the language."""

from __future__ import annotations

from bot.runtime import build_collaborators
from bot.settings import Settings


def test_runtime_scrub_counts_and_shows_placeholders_in_the_residents_language() -> None:
    collaborators = build_collaborators(Settings(), ["nl", "en", "ar", "tr"])
    scrubbed = collaborators.scrub("جاري اسمه محمد ورقمي ٠٦١٢٣٤٥٦٧٨", "ar")
    assert scrubbed.text == "جاري اسمه [NAAM] ورقمي [TELEFOON]"
    assert scrubbed.replaced == {"NAAM": 1, "TELEFOON": 1}
    shown = collaborators.show_placeholders(scrubbed.text, "ar")
    assert shown == "جاري اسمه [الاسم] ورقمي [الهاتف]"
    assert collaborators.show_placeholders("[NAAM] [TELEFOON]", "tr") == "[İSİM] [TELEFON]"


def test_runtime_scrub_of_a_language_the_scrubber_does_not_know_runs_the_dutch_layer() -> None:
    collaborators = build_collaborators(Settings(), ["nl", "en"])
    scrubbed = collaborators.scrub("bel 0612345678", "fr")
    assert scrubbed.text == "bel [TELEFOON]"
    assert collaborators.show_placeholders(scrubbed.text, "fr") == "bel [TELEFOON]"
