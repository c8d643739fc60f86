"""Checks behind the scrubber's patterns: checksums, plate shapes, street and age context."""

from __future__ import annotations

import re

from storage.scrub_types import MASK, word_set

PERSON_NOUNS = word_set(
    """
    zoon zoontje dochter dochtertje kind kindje kinderen kleinzoon kleindochter kleinkind
    kleinkinderen broer broertje zus zusje zusjes man vrouw moeder vader jongen jongetje
    meisje meid buurman buurvrouw neef nicht neefje nichtje oma opa baby tweeling jongste
    oudste schoonmoeder schoonvader vriend vriendin dame heer meneer mevrouw weduwe
    weduwnaar partner pleegkind stiefzoon stiefdochter"""
)
# Street-name endings; the second group is only trusted on a capitalised word, because
# lower-case "supermarkt 2" or "verzekering 3" are ordinary words followed by a count.
STREET_SUFFIXES_ANY_CASE = word_set(
    """
    straat straatje laan laantje weg plein pleintje gracht kade dijk singel dreef steeg
    plantsoen boulevard allee hofje erf"""
)
STREET_SUFFIXES_CAPITAL = word_set(
    """
    hof park pad baan markt dam wal veld ring haven brink kamp akker berg horst poort
    oord weide zoom hoven burg water zijde kwartier"""
)
STREET_SUFFIX_RE = (
    "(?:"
    + "|".join(sorted(STREET_SUFFIXES_ANY_CASE | STREET_SUFFIXES_CAPITAL, key=len, reverse=True))
    + ")"
)
_STREET_EXCEPTIONS = frozenset(
    {
        "onderweg",
        "halfweg",
        "snelweg",
        "terugweg",
        "heenweg",
        "omweg",
        "uitweg",
        "zijweg",
        "rijweg",
        "spoorweg",
        "uitlaan",
        "binnenweg",
        "ringweg",
        "zeedijk",
        "hoofdstraat",
        "winkelstraat",
        "zijstraat",
    }
)
_POSTCODE_NOT_LETTERS = word_set(
    "sa sd ss en in op is of om te al na ik je we ze er de ga zo nu ja uw nr mn zn dr mr "
    "km kg mg cm mm ml cl dl gr kb mb gb tb pm am st jr eu ct ov bv nv tv pc id ok xx ff "
    "vd vs ca ma di wo do vr za hoi he oh eh ah hè"
)
_POSTCODE_UNITS = word_set("km kg mg cm mm ml cl dl gr kb mb gb tb pm am")


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def passes_eleven_check(number: str) -> bool:
    """Tell whether nine digits pass the BSN eleven-check (weights 9..2 and -1)."""
    digits = _digits(number)
    if len(digits) != 9 or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def iban_ok(match: re.Match[str]) -> bool:
    """Accept an IBAN with a valid mod-97 checksum, or any IBAN with the Dutch layout."""
    compact = re.sub(r"\s", "", match.group(0)).upper()
    if re.fullmatch(r"NL\d{2}[A-Z]{4}\d{10}", compact):
        return True  # Dutch layout is unmistakable even with a typo in the check digits.
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(numeric) % 97 == 1


def phone_intl_ok(match: re.Match[str]) -> bool:
    """Accept an international number with a plausible count of digits."""
    return 8 <= len(_digits(match.group(0))) <= 15


def postcode_ok(match: re.Match[str]) -> bool:
    """Accept "1234 AB" unless the letters are more likely a word or a unit."""
    letters = match.group(2)
    low = letters.lower()
    if low in {"sa", "sd", "ss"}:
        return False  # Never issued as postcode letters.
    if letters.isupper():
        return True
    if " " not in match.group(1):
        return low not in _POSTCODE_UNITS
    # "in 2019 en" must stay: lower-case letters after a space are often a word.
    return low not in _POSTCODE_NOT_LETTERS


_PLATE_SIDECODES = word_set(
    "LL-DD-DD DD-DD-LL DD-LL-DD LL-DD-LL LL-LL-DD DD-LL-LL DD-LLL-D D-LLL-DD LL-DDD-L "
    "L-DDD-LL LLL-DD-L L-DD-LLL D-LL-DDD DDD-LL-D"
)
_PLATE_UNDASHED = frozenset(code.replace("-", "") for code in _PLATE_SIDECODES) - {"DDDDLL"}


def plate_ok(match: re.Match[str]) -> bool:
    """Accept a Dutch licence plate in one of the official side codes."""
    value, start = match.group(0), match.start()
    if start > 0 and match.string[start - 1] in "-" + MASK:
        return False
    shape = "".join("D" if ch.isdigit() else "L" if ch.isalpha() else "-" for ch in value)
    # Four digits and two letters without dashes is a postcode or a quantity ("2000mg").
    return shape in _PLATE_SIDECODES if "-" in value else shape in _PLATE_UNDASHED


_WORDS = re.compile(r"[^\W\d_][\w'\u2019-]*")
_PERSON_PRONOUNS = word_set("hij zij ze")


def person_age(match: re.Match[str], _original: str) -> tuple[int, int] | None:
    """Accept "mijn zoon van 12", "mijn man hassan is 58", "hij is 8" as ages."""
    text, start = match.string, match.start()
    if start > 0 and text[start - 1].isalnum():
        return None
    words = _WORDS.findall(text, max(0, start - 40), start)[-3:]
    if words and words[-1] in _PERSON_PRONOUNS:
        return match.span(1)
    # The person word may be followed by a name: "mijn kleindochter lotte is 6".
    if any(word in PERSON_NOUNS for word in words[-2:]):
        return match.span(1)
    return None


_STREET_LEFT = re.compile(r"(?:(?:[A-ZÀ-Ý][\w'\u2019.-]*|van|de|der|den|het|ter|ten|'t)\s)+$")
_NOT_STREET_START = word_set(
    "op in bij naar aan van de der den het ter ten 't ik we wij woon woont wonen adres is "
    "mijn ons onze hier daar en of dat die via nabij tegenover achter voor langs"
)


def _street_start(text: str, start: int) -> int:
    """Move an address start left over the capitalised words of its street name."""
    match = _STREET_LEFT.search(text, max(0, start - 60), start)
    if match is None:
        return start
    for word in re.finditer(r"\S+", text[match.start() : start]):
        if word.group().lower() not in _NOT_STREET_START:
            return match.start() + word.start()
    return start


def street(match: re.Match[str], text: str) -> tuple[int, int] | None:
    """Locate "Kerkstraat 12" from a match on its suffix and house number."""
    start = match.start()
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] in "'\u2019-"):
        start -= 1
    word = text[start : match.end("suffix")]
    suffix = match.group("suffix").lower()
    if len(word) - len(suffix) < 2 or word.lower() in _STREET_EXCEPTIONS:
        return None
    if suffix not in STREET_SUFFIXES_ANY_CASE and not word[:1].isupper():
        return None
    end = match.end()
    floor = _LOWER_FLOOR.search(text, start, end)
    if floor is not None:
        end = floor.start()  # "molenweg 45 i jest": a lower-case "i" is a word (Polish "and")
    return _street_start(text, start), end


_LOWER_FLOOR = re.compile(r"\si{1,3}$")


def bsn_ok(match: re.Match[str]) -> bool:
    """Check a nine-digit candidate with the BSN eleven-check."""
    return passes_eleven_check(match.group(0))


_STREET_PREFIX_WORDS = re.compile(r"(?:(?:van|sint|st|ter|ten)\s(?:(?:de|der|den)\s)?)+$")


def bare_street(match: re.Match[str], text: str) -> tuple[int, int] | None:
    """Locate a street named without a number: "Hatertseweg", "van welderenstraat"."""
    from storage.scrub_intl import STREET_WORD_GUARD

    word = match.group(0)
    if word in STREET_WORD_GUARD or word.endswith(("slaan", "kapelaan")):
        return None
    start = match.start()
    if text[start : start + 1].isupper():
        start = _street_start(text, start)
    prefix = _STREET_PREFIX_WORDS.search(match.string, max(0, start - 20), start)
    before = match.string[prefix.start() - 1 : prefix.start()] if prefix is not None else ""
    if prefix is not None and not before.isalnum():
        start = prefix.start()
    return start, match.end()
