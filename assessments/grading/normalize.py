"""Normalisation of typed answers: short text compared loosely, numbers parsed strictly."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

# Symbols that act as punctuation in typed answers; every Unicode punctuation category (P*) is removed too.
_EXTRA_PUNCTUATION = frozenset("~`^|¦¨¯´¸")
# Whitespace and the invisible format and control characters pasted text carries (ZWSP, BOM, soft hyphen).
_DROPPED_CATEGORIES = ("Zs", "Zl", "Zp", "Cc", "Cf")
_NUMBER = re.compile(r"([+-]?)((?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)%?")
_MINUS_SIGNS = str.maketrans({"\u2212": "-"})  # the typographic minus; NFKC already maps full-width "－"


def _normalize_once(s: str) -> str:
    s = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())
    return "".join(
        ch
        for ch in s
        if not ch.isspace()
        and ch not in _EXTRA_PUNCTUATION
        and not unicodedata.category(ch).startswith("P")
        and unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )


def normalize_text(s: str) -> str:
    """Fold width (NFKC), case, whitespace and punctuation away, so "Ｄａｕ／ＭＡＵ" equals "dau/mau"."""
    # Removing a character can leave a sequence that NFKC composes differently; repeat until nothing changes.
    for _ in range(4):
        folded = _normalize_once(s)
        if folded == s:
            break
        s = folded
    return s


def parse_number(s: str) -> Decimal | None:
    """Read a typed number such as "1,234.5", "－３．５" or "12%"; None for anything else."""
    if not isinstance(s, str):
        return None
    text = "".join(unicodedata.normalize("NFKC", s).translate(_MINUS_SIGNS).split())
    match = _NUMBER.fullmatch(text)
    if not match:
        return None
    sign, digits = match.groups()
    try:
        return Decimal(sign + digits.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        return None
