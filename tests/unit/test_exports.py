"""The export writers' formula guard: anything a spreadsheet could run starts with an apostrophe; anything
else is written unchanged. Numbers stay numbers in both formats."""

from __future__ import annotations

import csv
import io
from itertools import dropwhile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from courses.exports import FORMULA_CHARS, INVISIBLE, cell_safe, csv_chunks, xlsx_bytes

LEADING = st.text(alphabet=st.sampled_from([*sorted(INVISIBLE), " ", "\u3000", "\u00a0"]), max_size=4)


@given(prefix=LEADING, start=st.sampled_from(sorted(FORMULA_CHARS)), rest=st.text(max_size=20))
def test_a_formula_character_after_spaces_or_invisible_characters_is_defused(prefix, start, rest):
    value = prefix + start + rest
    assert cell_safe(value) == "'" + value


@given(start=st.characters(max_codepoint=31) | st.just("\x7f"), rest=st.text(max_size=20))
def test_a_leading_control_character_is_defused(start, rest):
    assert cell_safe(start + rest) == "'" + start + rest


@given(st.text(max_size=30))
def test_other_text_is_unchanged_and_defused_text_only_gains_an_apostrophe(value):
    safe = cell_safe(value)
    visible = "".join(dropwhile(lambda c: c.isspace() or c in INVISIBLE, value))
    risky = bool(value) and (value[0] < " " or value[0] == "\x7f" or visible[:1] in FORMULA_CHARS)
    assert safe == ("'" + value if risky else value)


@pytest.mark.parametrize(
    "value",
    [" =1+1", '＝HYPERLINK("x")', "＋1", "－1", "＠SUM(A1)", "\u200b=1", "\ufeff=1", "|calc", "\u3000-2"],
)
def test_examples_from_the_issue_are_defused(value):
    assert cell_safe(value).startswith("'")


@given(st.integers(-10, 10) | st.floats(-100, 100, allow_nan=False) | st.none())
def test_numbers_are_never_touched(number):
    assert cell_safe(number) == number


def test_numbers_are_number_cells_in_xlsx_and_plain_numbers_in_csv():
    rows = [["name", "score", "attempts"], ["=x", 87.5, 3], ["b", None, 0]]
    sheet = load_workbook(io.BytesIO(xlsx_bytes(rows))).active
    cells = list(sheet.iter_rows(min_row=2))
    assert [c.data_type for c in cells[0]] == ["s", "n", "n"]
    assert [c.value for c in cells[0]] == ["'=x", 87.5, 3]
    text = b"".join(csv_chunks(rows)).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1:] == [["'=x", "87.5", "3"], ["b", "", "0"]]
