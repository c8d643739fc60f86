"""Speech the tests make themselves: known sentences spoken by the TTS engine, per language."""

from __future__ import annotations

from typing import Final

from bot.voice.speaker import Speaker

# One sentence per language, as a resident might tell part of a story.
SENTENCES: Final = {
    "nl": "Ik had hulp nodig met mijn huur. De buurvrouw heeft me geholpen met de brief.",
    "en": "I needed help with my rent. My neighbour helped me with the letter.",
    "tr": "Kiramla ilgili yardıma ihtiyacım vardı. Komşum mektupta bana yardım etti.",  # noqa: RUF001
    "ar": "كنت بحاجة إلى مساعدة في الإيجار. ساعدتني جارتي في الرسالة.",
    "pl": "Potrzebowałam pomocy z czynszem. Sąsiadka pomogła mi z listem.",
    "uk": "Мені потрібна була допомога з орендою. Сусідка допомогла мені з листом.",
    "ru": "Мне нужна была помощь с арендой. Соседка помогла мне с письмом.",  # noqa: RUF001
}


def spoken(text: str, language: str) -> bytes:
    """`text` as an OGG/Opus voice note, made now (nothing is kept as a file)."""
    return Speaker().speak(text, language)
