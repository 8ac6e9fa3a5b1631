"""Checks on text that reaches the database, shared by every form, view and service that stores text.

PostgreSQL refuses a NUL character in text and jsonb columns (and in query parameters): without a check it
is a 500. A name that ends up in an email subject or header must be one line.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

NUL = "\x00"
# Line breaks and other control characters (C0, DEL, C1, Unicode line and paragraph separators).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_nul(value: Any) -> bool:
    """Whether ``value`` (a string, or lists / dicts of them, keys included) holds a NUL character."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(has_nul(v) for v in value)
    return False


def nul_message() -> str:
    return gettext("The text contains a NUL character (\\0), which cannot be saved. Remove it and try again.")


def validate_no_nul(value: Any) -> None:
    """Form and model validator: refuse a NUL character anywhere in ``value``."""
    if has_nul(value):
        raise ValidationError(nul_message(), code="null_characters_not_allowed")


def validate_single_line(value: str) -> None:
    """Validator for names that reach email subjects and headers: one line, no control characters."""
    validate_no_nul(value)
    if _CONTROL.search(value or ""):
        raise ValidationError(
            gettext("Use one line without line breaks or control characters."), code="single_line"
        )


def one_line(value: str) -> str:
    """``value`` with every run of whitespace and control characters made one space (email subjects)."""
    return " ".join(_CONTROL.sub(" ", value or "").split())
