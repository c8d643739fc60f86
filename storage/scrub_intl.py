"""How the other languages write what the scrubber's patterns look for: months, words
before a date of birth or a phone number, and Dutch street names in any sentence."""

from __future__ import annotations

from storage.scrub_types import DATA_DIR, read_word_file

# Month names as written after a day number ("12 mart", "12 marca", "12 березня", "12 مارس").
_MONTHS = str.split(
    # Turkish
    "ocak şubat subat mart nisan mayıs mayis haziran temmuz ağustos agustos eylül eylul "
    "ekim kasım kasim aralık aralik "
    # Polish, genitive and nominative
    "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września wrzesnia "
    "października pazdziernika listopada grudnia styczeń luty marzec kwiecień maj czerwiec "
    "lipiec sierpień wrzesień październik listopad grudzień "
    # Ukrainian
    "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада "
    "грудня "
    # Russian
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря "
    # Arabic, Egyptian and Levantine names
    "يناير فبراير مارس ابريل أبريل مايو يونيو يوليو اغسطس أغسطس سبتمبر اكتوبر أكتوبر "
    "نوفمبر ديسمبر شباط اذار آذار نيسان ايار أيار حزيران تموز اب آب ايلول أيلول"
)
MONTHS_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
MONTH_HINTS = tuple(sorted({month[:3] for month in _MONTHS}))

# Words before a date of birth, lower case; a year alone counts there too.
BIRTH_BEFORE = (
    r"born(?:\son)?|date\sof\sbirth|dob|birthday|doğum\starihim?|doğum\sgünüm?"
    r"|data\surodzenia|urodzi(?:ł|l)(?:a|em|am)?(?:\ssię|\ssie)?|urodziny"
    r"|дата\sнародження|день\sнародження|народи(?:вся|лася)|дата\sрождения|день\sрождения"
    r"|родил(?:ся|ась)|تاريخ\s(?:ال)?ميلاد(?:ي|ه|ها)?|مواليد|ولدت|ميلادي"
)
BIRTH_BEFORE_NEEDS = (
    "born", "birth", "dob", "doğum", "urodz", "народж", "народи", "рожден", "родил",
    "ميلاد", "مواليد", "ولدت",
)  # fmt: skip
# Words between such a cue and the date: "born on", "urodziłam się w", "родилась в".
BIRTH_GLUE = r"(?:is\s|on\s|in\s|w\s|в\s|у\s|في\s|عام\s|سنة\s|:\s?|-\s?)*"
# Words after a date of birth: "1985'te doğdum", "1985 doğumluyum".
BIRTH_AFTER = r"(?:['’]?(?:te|de|ta|da)\s|\syılında\s|\s)(?:doğdum|doğumlu\w*)"
BIRTH_AFTER_NEEDS = ("doğdum", "doğumlu")

# Words right before a phone number: "telefon numaram", "мій номер", "رقمي", "my number is".
PHONE_CUES = (
    r"\b(?:phone|number|mobile|cell|tel|telefon\w*|numara\w*|numer\w*|номер\w*|телефон\w*"
    r"|тел|رقم\w*|هاتف\w*|جوال\w*|موبايل|واتساب|whatsapp|viber|nummer|mobiel)\b"
)
PHONE_CUE_NEEDS = (
    "phone", "number", "mobile", "cell", "tel", "numara", "numer", "номер", "телефон",
    "тел", "رقم", "هاتف", "جوال", "موبايل", "واتساب", "whatsapp", "viber", "nummer", "mobiel",
)  # fmt: skip

# Endings of Dutch street names that are safe to read in lower case without a number.
BARE_STREET_SUFFIXES = (
    "straatje", "straat", "laantje", "laan", "weg", "plein", "singel", "gracht", "kade",
    "dijk", "dreef", "steeg", "plantsoen", "allee",
)  # fmt: skip
STREET_WORD_GUARD = frozenset(read_word_file(DATA_DIR / "street_word_guard_nl.txt"))
