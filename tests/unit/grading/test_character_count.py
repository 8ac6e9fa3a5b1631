"""One character count for written answers: the page's counter, the submit check and the grader agree.

The count is code points of the NFC form, not counting whitespace or zero-width characters. The browser
counter in static/js/site.js carries the same list of uncounted characters; a test here keeps them equal.
"""

import re
import unicodedata
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from assessments.grading.rubric import UNCOUNTED, text_length

SITE_JS = Path(__file__).resolve().parents[3] / "static" / "js" / "site.js"
uncounted = st.text(alphabet=sorted(UNCOUNTED), max_size=8)


def test_an_emoji_or_a_rare_han_character_counts_once():
    # The page once counted UTF-16 units: 384 han + 16 emoji showed "416" and the server said "400".
    assert text_length("好" * 384 + "👍" * 16) == 400
    assert text_length("𠀀𠀁") == 2


def test_a_decomposed_accent_counts_as_the_one_character_it_shows():
    assert text_length("cafe\u0301") == text_length("café") == 4


def test_whitespace_and_zero_width_characters_are_not_counted():
    assert text_length(" 道 歉\n\t ok\u3000\xa0\u200b\ufeff\u2060") == 4


@given(st.text())
def test_the_count_is_the_nfc_code_points_that_are_not_uncounted(text):
    assert text_length(text) == sum(ch not in UNCOUNTED for ch in unicodedata.normalize("NFC", text))


@given(st.text())
def test_the_count_does_not_depend_on_the_normalisation_form(text):
    assert text_length(unicodedata.normalize("NFD", text)) == text_length(text)
    assert text_length(unicodedata.normalize("NFC", text)) == text_length(text)


@given(uncounted, st.text(), uncounted)
def test_surrounding_whitespace_changes_nothing(before, text, after):
    assert text_length(before + text + after) == text_length(text)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters=UNCOUNTED), max_size=50))
def test_no_counted_character_is_lost(text):
    assert text_length(text) <= len(text)
    assert text_length(text) == len(unicodedata.normalize("NFC", text))


def _js_class() -> set[str]:
    source = SITE_JS.read_text(encoding="utf-8")
    body = re.search(r"const UNCOUNTED = /\[(.+?)\]/u;", source).group(1)
    chars: set[str] = set()
    tokens = re.findall(
        r"\\u\{?[0-9a-fA-F]{4}\}?-\\u[0-9a-fA-F]{4}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[tnvfr]| ", body
    )
    assert "".join(tokens) == body  # nothing in the class the parser above did not read
    escapes = {"\\t": "\t", "\\n": "\n", "\\v": "\v", "\\f": "\f", "\\r": "\r", " ": " "}

    def char(token: str) -> str:
        return escapes.get(token) or chr(int(token[2:], 16))

    for token in tokens:
        if "-" in token:
            low, high = token.split("-")
            chars.update(chr(c) for c in range(ord(char(low)), ord(char(high)) + 1))
        else:
            chars.add(char(token))
    return chars


def test_the_browser_counter_leaves_out_the_same_characters():
    assert _js_class() == set(UNCOUNTED)
