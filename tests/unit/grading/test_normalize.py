"""normalize_text and parse_number: examples and properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.grading import normalize_text, parse_number

FULLWIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})
# Text a recruit plausibly types: ASCII, CJK, full-width punctuation and assorted spaces.
TYPED = st.text(
    alphabet=st.sampled_from(
        "abcxyzABCXYZ019 /-_.,:;!?()%+"
        "社群运营转化率留存活跃用户"
        "、。，！？“”‘’《》【】（）·…—：；"
        "\u3000\u00a0\t\n\u200b"
    ),
    max_size=30,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ｄａｕ／ＭＡＵ", "daumau"),
        ("dau/mau", "daumau"),
        ("  转 化\u3000率\t", "转化率"),
        ("《社群运营》", "社群运营"),
        ("“增长”、【留存】（活跃）！？。，·", "增长留存活跃"),
        ("Straße", "strasse"),
        ("ｋｏｌ", "kol"),
        ("A/B 测试", "ab测试"),
        ("转\u200b化", "转化"),
        ("C++", "c++"),  # math symbols are kept
        ("50%", "50"),
        ("", ""),
    ],
)
def test_normalize_text_examples(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@given(st.text(max_size=40))
def test_normalize_text_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(TYPED)
def test_normalize_text_ignores_width_case_and_spaces(text: str) -> None:
    folded = normalize_text(text)
    assert normalize_text(text.translate(FULLWIDTH)) == folded
    assert normalize_text(text.upper()) == folded
    assert normalize_text(text.lower()) == folded
    assert normalize_text(" \u3000".join(text)) == folded
    assert not any(ch.isspace() for ch in folded)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", "42"),
        ("-42.5", "-42.5"),
        ("+3", "3"),
        ("−3", "-3"),
        ("－３．５", "-3.5"),
        ("１２３", "123"),
        ("1,234", "1234"),
        ("1,234,567.89", "1234567.89"),
        ("１，２３４", "1234"),
        ("12%", "12"),
        ("12 %", "12"),
        ("１２％", "12"),
        (" 4 2 ", "42"),
        ("\u30004.5\u3000", "4.5"),
        (".5", "0.5"),
        ("5.", "5"),
        ("0", "0"),
    ],
)
def test_parse_number_accepts(raw: str, expected: str) -> None:
    assert parse_number(raw) == Decimal(expected)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " ",
        "abc",
        "1e999",
        "1E5",
        "NaN",
        "nan",
        "Infinity",
        "inf",
        "-inf",
        "0x10",
        "1_000",
        "12,34",
        "1,2345",
        ",123",
        "1.2.3",
        "--1",
        "+-1",
        "1-",
        "%",
        "12%%",
        "%12",
        "٤٢",  # Arabic-Indic digits are digits to Python, not to us
        "四十二",
        "42元",
        "1/2",
        ".",
        None,
        42,
    ],
)
def test_parse_number_rejects(raw: object) -> None:
    assert parse_number(raw) is None  # type: ignore[arg-type]


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9))
def test_parse_number_reads_plain_and_grouped_and_fullwidth(value: Decimal) -> None:
    plain = f"{value:f}"
    assert parse_number(plain) == value
    assert parse_number(f"{value:,f}") == value
    assert parse_number(plain.translate(FULLWIDTH)) == value
    assert parse_number(plain + "%") == value


@given(st.text(max_size=20))
def test_parse_number_never_raises_and_is_finite(text: str) -> None:
    value = parse_number(text)
    assert value is None or value.is_finite()
