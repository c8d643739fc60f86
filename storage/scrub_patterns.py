"""Regular-expression layer of the story scrubber: identifiers with a recognisable shape."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from storage.scrub_checks import (
    STREET_SUFFIX_RE,
    STREET_SUFFIXES_ANY_CASE,
    STREET_SUFFIXES_CAPITAL,
    bare_street,
    bsn_ok,
    iban_ok,
    passes_eleven_check,
    person_age,
    phone_intl_ok,
    plate_ok,
    postcode_ok,
    street,
)
from storage.scrub_intl import (
    BARE_STREET_SUFFIXES,
    BIRTH_AFTER,
    BIRTH_AFTER_NEEDS,
    BIRTH_BEFORE,
    BIRTH_BEFORE_NEEDS,
    BIRTH_GLUE,
    MONTH_HINTS,
    MONTHS_RE,
    PHONE_CUE_NEEDS,
    PHONE_CUES,
)
from storage.scrub_types import MASK, PLACEHOLDER_RE, Kind, Span, word_set

__all__ = [
    "MASK",
    "PLACEHOLDER_RE",
    "Kind",
    "Span",
    "find_pattern_spans",
    "lower_same_length",
    "passes_eleven_check",
    "word_set",
]

_MONTH = (
    r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november"
    r"|december|jan|feb|febr|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec"
    r"|january|february|march|may|june|july|august|october|" + MONTHS_RE + ")"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_NUMERIC_DATE = _DAY + r"([-/.])(?:0?[1-9]|1[0-2])\1(?:19|20)?\d{2}"
_NUMERIC_DATE_YMD = r"(?:19|20)\d{2}([-/.])(?:0?[1-9]|1[0-2])\1" + _DAY
_TEXT_DATE = _DAY + r"(?:e|ste|de)?\s?" + _MONTH + r"\.?\s?(?:(?:19|20)\d{2}|['\u2019`]\d{2})(?!\d)"
_DAY_MONTH = (
    _DAY + r"(?:e|ste|de)?\s?" + _MONTH + r"\b\.?(?:\s?(?:(?:19|20)\d{2}|['\u2019`]\d{2}))?"
)
_BIRTH_VALUE = (
    r"(?:\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)?\d{2}|"
    + _DAY_MONTH
    + r"|"
    + _MONTH
    + r"\s(?:19|20)\d{2}|(?:19|20)\d{2})(?!\d)"
)
_AGE_FOLLOW = (
    r"(?=\s*(?:jaar\b|jr\b|j\b|oud\b|geworden\b|en\b|maar\b|dus\b|nu\b|hoor\b|he\b|hè\b|"
    r"[^\w\s\x00]|$))"
)
_HOUSE_NUMBER = r"\d{1,4}(?:\s?-\s?\d{1,3}|[a-zA-Z](?![\w])|\s(?:bis|hs|bg|zw|rd|i{1,3})\b)?"
_NOT_AFTER_NUMBER = (
    r"(?!\s*(?:keer|uur|euro|eur|minuten|min|jaar|maanden|maand|weken|week|dagen|dag|km|"
    r"kilometer|meter|m|procent|%|x|mensen|kinderen|huizen|stuks|cent)\b)"
)

# Gets the match (on lower-cased text) and the original-case text; returns the span or None.
Locator = Callable[[re.Match[str], str], "tuple[int, int] | None"]


@dataclass(frozen=True, slots=True)
class _Rule:
    """One pattern, the kind it yields, and the cheap gates that must pass before it runs."""

    kind: Kind
    pattern: re.Pattern[str]
    group: int = 0
    check: Callable[[re.Match[str]], bool] | None = None
    locate: Locator | None = None  # computes the span itself instead of group + check
    needs: tuple[str, ...] = ()  # one of these must occur in the lower-cased text
    needs_digit: bool = True
    case_sensitive: bool = False  # match the original text instead of the lower-cased one
    gate: re.Pattern[str] | None = None  # a cheap search on the lower-cased text


def _compile(pattern: str) -> re.Pattern[str]:
    # Rules run on lower-cased text: re.IGNORECASE makes Python's re about 8x slower here.
    return re.compile(pattern)


_SEP = r"[ .\-/()]{0,3}"
_TLDS = ("nl", "com", "org", "net", "eu", "info", "io", "app", "online", "shop", "site", "ly")
_MONTH_HINTS = (
    *str.split("jan feb mrt maa mar apr mei may jun jul aug sep okt oct nov dec"),
    *MONTH_HINTS,
)
_OBFUSCATED_AT = ("(at)", "[at]", "{at}", "<at>", " at ", "apenstaartje")
_DOT = r"(?:\.|\(dot\)|\[dot\]|\(punt\)|\[punt\]|\sdot\s|\spunt\s)"
_RULES: tuple[_Rule, ...] = (
    _Rule(
        Kind.EMAIL,
        _compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b|\b[\w.+-]+@[\w-]{2,}"),
        needs=("@",),
        needs_digit=False,
    ),
    _Rule(
        Kind.EMAIL,
        _compile(
            r"\b[\w.+-]+\s?(?:\(at\)|\[at\]|\{at\}|<at>|\sat\s|\sapenstaartje\s)\s?[\w-]+"
            r"(?:\s?" + _DOT + r"\s?[\w-]+)*\s?" + _DOT + r"\s?"
            r"(?:nl|com|net|org|be|eu|de|info|nu|fr|uk|tr|pl|ua|sr)\b"
        ),
        needs=_OBFUSCATED_AT,
        needs_digit=False,
    ),
    _Rule(
        Kind.URL,
        _compile(r"\b(?:https?://|www\.)[^\s<>\"\x00]*[^\s<>\"\x00.,!?;:)\]]"),
        needs=("www.", "http"),
        needs_digit=False,
    ),
    _Rule(
        Kind.URL,
        _compile(
            r"\b[\w-]+(?:\.[\w-]+)*\.(?:" + "|".join(_TLDS) + r")\b"
            r"(?:/[^\s<>\"\x00]*[^\s<>\"\x00.,!?;:)\]])?"
        ),
        needs=tuple("." + tld for tld in _TLDS),
        needs_digit=False,
    ),
    _Rule(
        Kind.GEBRUIKERSNAAM,
        _compile(r"(?<![\w@.\x00])@[a-z0-9_](?:[a-z0-9_.]{0,28}[a-z0-9_])?"),
        needs=("@",),
        needs_digit=False,
    ),
    _Rule(
        Kind.GEBRUIKERSNAAM,
        _compile(r"\b(?:insta(?:gram)?|tiktok|snapchat|snap|twitter|telegram)\s?:\s?([\w.]{3,30})"),
        group=1,
        needs=("insta", "tiktok", "snap", "twitter", "telegram"),
        needs_digit=False,
    ),
    _Rule(
        Kind.IBAN,
        _compile(r"\b[a-z]{2}\d{2}(?:\s?[a-z0-9]{4}){2,7}(?:\s?[a-z0-9]{1,3})?\b"),
        check=iban_ok,
    ),
    _Rule(
        Kind.TELEFOON,
        _compile(
            r"(?<![\w+\x00])(?:(?:\+|00)\s?31\s?(?:\(0\)\s?|0\s?)?|\(?0)\d(?:" + _SEP + r"\d){8}"
            r"(?!\w)"
        ),
    ),
    _Rule(
        Kind.TELEFOON,
        _compile(r"(?<![\w+\x00])0[89]0[069]" + _SEP + r"\d(?:" + _SEP + r"\d){3,6}(?!\w)"),
        needs=("080", "090"),
    ),
    _Rule(
        Kind.TELEFOON,
        _compile(r"(?<![\w+\x00])(?:\+|00)\s?[1-9]\d{0,2}(?:" + _SEP + r"\d){6,13}(?!\w)"),
        check=phone_intl_ok,
    ),
    _Rule(
        Kind.DATUM,
        _compile(
            r"\b(?:geboren|geb\.?|geboortedatum|geboorte\s?datum|verjaardag|jarig)\s?"
            r"(?:is\s|op\s|in\s|:\s?|=\s?|de\s)*(" + _BIRTH_VALUE + r")"
        ),
        group=1,
        needs=("geb", "verjaardag", "jarig"),
    ),
    _Rule(
        Kind.TELEFOON,
        _compile(
            PHONE_CUES + r"[^\d\n\x00]{0,24}?(\+?\d(?:" + _SEP + r"\d){6,14})(?![\w]|[-/.]\d)"
        ),
        group=1,
        needs=PHONE_CUE_NEEDS,
    ),
    # Mobile numbers of other countries written the local way: Turkish and British
    # "0532 123 45 67", Russian "8 912 345 67 89".
    _Rule(Kind.TELEFOON, _compile(r"(?<![\w+\x00])0\d(?:" + _SEP + r"\d){9,10}(?!\w)")),
    _Rule(
        Kind.TELEFOON,
        _compile(r"(?<![\w+\x00])8" + _SEP + r"9\d\d(?:" + _SEP + r"\d){7}(?!\w)"),
    ),
    _Rule(
        Kind.DATUM,
        _compile(r"(?:" + BIRTH_BEFORE + r")\s?" + BIRTH_GLUE + r"(" + _BIRTH_VALUE + r")"),
        group=1,
        needs=BIRTH_BEFORE_NEEDS,
    ),
    _Rule(
        Kind.DATUM,
        _compile(r"(?<![\w\x00])(" + _BIRTH_VALUE + r")" + BIRTH_AFTER),
        group=1,
        needs=BIRTH_AFTER_NEEDS,
    ),
    _Rule(
        Kind.DATUM,
        _compile(r"\b(" + _DAY_MONTH + r")\s(?:jarig|geboren)\b"),
        group=1,
        needs=("jarig", "geboren"),
    ),
    _Rule(Kind.DATUM, _compile(r"(?<![\w\x00])(?:" + _NUMERIC_DATE + r")(?![\w]|[-/.]\d)")),
    _Rule(Kind.DATUM, _compile(r"(?<![\w\x00])(?:" + _NUMERIC_DATE_YMD + r")(?![\w]|[-/.]\d)")),
    _Rule(Kind.DATUM, _compile(r"(?<![\w\x00])" + _TEXT_DATE), needs=_MONTH_HINTS),
    _Rule(
        Kind.BSN,
        _compile(
            r"\b(?:bsn|burgerservicenummer|sofinummer)\s?(?:nummer|nr\.?)?\s?(?:is|:)?\s?"
            r"(\d(?:[ .\-]?\d){7,8})(?!\w)"
        ),
        group=1,
        needs=("bsn", "burgerservice", "sofi"),
    ),
    _Rule(
        Kind.BSN,
        _compile(r"(?<![\w.\-\x00])\d(?:[ .\-]?\d){8}(?![\w]|[.\-]\d)"),
        check=bsn_ok,
    ),
    _Rule(
        Kind.POSTCODE,
        _compile(
            r"(?<![\w\x00])([1-9]\d{3}\s?([a-z]{2}))(?!\w)"
            r"(?:\s?,?\s?(?:nr\.?|huisnummer)?\s?\d{1,4}(?:[a-z](?!\w))?(?![\w]|[.,]\d))?"
        ),
        check=postcode_ok,
    ),
    _Rule(
        Kind.KENTEKEN,
        # The lookahead makes the engine skip most words cheaply before the full match.
        _compile(r"\b(?=[a-z\d-]{6,8}(?![\w-]))[a-z\d]{1,3}(?:-?[a-z\d]{1,3}){2}(?![\w-])"),
        check=plate_ok,
        gate=re.compile(r"\d-?[a-z]|[a-z]-?\d"),
    ),
    _Rule(
        Kind.ADRES,
        _compile(
            r"(?P<suffix>"
            + STREET_SUFFIX_RE
            + r")\s?"
            + _HOUSE_NUMBER
            + r"(?!\d)"
            + _NOT_AFTER_NUMBER
        ),
        locate=street,
        needs=tuple(sorted(STREET_SUFFIXES_ANY_CASE | STREET_SUFFIXES_CAPITAL)),
    ),
    _Rule(
        Kind.ADRES,
        re.compile(
            r"\b(?:Laan|Plein|Weg|Kade|Dijk|Singel|Gracht|Markt|Park|Hof|Dreef|Straat)"
            r"(?:\s(?:van|de|der|den|het|ter|ten|'t|op|aan|in))*\s[A-ZÀ-Ý][\w'-]+\s" + _HOUSE_NUMBER
        ),
        case_sensitive=True,
        needs=(
            "laan",
            "plein",
            "weg",
            "kade",
            "dijk",
            "singel",
            "gracht",
            "markt",
            "park",
            "hof",
            "dreef",
            "straat",
        ),
    ),
    _Rule(Kind.ADRES, _compile(r"\bpostbus\s?\d{1,6}"), needs=("postbus",)),
    _Rule(
        Kind.ADRES,
        _compile(r"\b[a-zà-ÿ'\u2019-]{3,}(?:" + "|".join(BARE_STREET_SUFFIXES) + r")\b"),
        locate=bare_street,
        needs=BARE_STREET_SUFFIXES,
        needs_digit=False,
    ),
    # Polish and other numbers written in groups of three: "512 345 678" (after the BSN
    # rules, which take nine digits that pass the eleven-check).
    _Rule(Kind.TELEFOON, _compile(r"(?<![\w+\x00.,])[4-8]\d\d[ -]\d{3}[ -]\d{3}(?![\w]|[.,]\d)")),
    _Rule(
        Kind.LEEFTIJD,
        _compile(
            r"\bik\s(?:ben|word|werd)\s(?:nu\s|al\s|pas\s|bijna\s|net\s|inmiddels\s|zelf\s)?"
            r"(\d{1,3})" + _AGE_FOLLOW
        ),
        group=1,
        needs=("ik ",),
    ),
    _Rule(
        Kind.LEEFTIJD,
        _compile(
            r"(?<![\w.,\x00])(\d{1,3})\s?-?\s?(?:jaar\s(?:oud|jong)\b|jarige?\b|jr\.?\soud\b)"
        ),
        group=1,
        needs=("jaar", "jarig", "jr"),
    ),
    _Rule(
        Kind.LEEFTIJD,
        _compile(
            r"(?:van|is|wordt|werd|was)\s(?:nu\s|al\s|pas\s|bijna\s|net\s)?"
            r"(\d{1,3}(?:\s?(?:,|en|&)\s?\d{1,3})*)(?![\d.,]\d)" + _NOT_AFTER_NUMBER
        ),
        locate=person_age,
    ),
    _Rule(
        Kind.LEEFTIJD,
        _compile(r"\b(?:op|sinds)\s(?:mijn|zijn|haar|z'n|m'n|ons)\s(\d{1,3}(?:e|ste|de))\b"),
        group=1,
        needs=("op ", "sinds "),
    ),
    _Rule(
        Kind.LEEFTIJD,
        _compile(r"\btoen\s(?:ik|hij|zij|ze|we|wij)\s(\d{1,3})\s(?:was|werd|jaar)\b"),
        group=1,
        needs=("toen",),
    ),
    _Rule(
        Kind.LEEFTIJD,
        _compile(r"\bleeftijd\s?(?:is|:|van)?\s?(\d{1,3})\b"),
        group=1,
        needs=("leeftijd",),
    ),
    _Rule(
        Kind.NUMMER,
        _compile(
            r"(?:nummer|nr\.?|kenmerk|referentie|ref\.?)\s?[:#]?\s?(?:is\s)?"
            r"([a-z]{0,4}-?\d[\d .\-/]{1,20}\d)"
        ),
        group=1,
        needs=("nummer", "nr", "kenmerk", "ref"),
    ),
    _Rule(Kind.NUMMER, _compile(r"(?<![\w\x00])\d{10,}(?!\w)")),
)


def _spans(rule: _Rule, lowered: str, original: str) -> Iterator[tuple[int, int]]:
    for match in rule.pattern.finditer(original if rule.case_sensitive else lowered):
        if rule.locate is not None:
            located = rule.locate(match, original)
        elif rule.check is None or rule.check(match):
            located = match.span(rule.group)
        else:
            located = None
        if located is not None and located[1] > located[0]:
            yield located


def _gates_pass(rule: _Rule, lowered: str, has_digit: bool) -> bool:
    if rule.needs_digit and not has_digit:
        return False
    if rule.needs and not any(needle in lowered for needle in rule.needs):
        return False
    return rule.gate is None or rule.gate.search(lowered) is not None


def lower_same_length(text: str) -> str:
    """Lower-case text without changing offsets (a few letters, like "İ", grow when lowered)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def _mask(text: str, start: int, end: int) -> str:
    return text[:start] + MASK * (end - start) + text[end:]


def find_pattern_spans(masked: str) -> list[Span]:
    """Find shaped identifiers; each rule sees what earlier rules claimed as masked."""
    spans: list[Span] = []
    lowered = lower_same_length(masked)
    has_digit = _DIGIT.search(masked) is not None
    for rule in _RULES:
        if not _gates_pass(rule, lowered, has_digit):
            continue
        for start, end in list(_spans(rule, lowered, masked)):
            spans.append(Span(start, end, rule.kind))
            masked, lowered = _mask(masked, start, end), _mask(lowered, start, end)
    return spans


_DIGIT = re.compile(r"\d")
