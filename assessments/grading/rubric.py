"""Written responses graded against a rubric: concepts found as words (jieba), required and forbidden phrases.

The text is plain text: it is never interpreted as HTML. Matching works on words, so the synonym "账" does
not match inside "账号", while "到账" matches whether jieba keeps it whole or splits it into "到" + "账".
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

import jieba

from assessments.grading.base import CENT, ZERO, InvalidAnswer, Result, points_of, share_score

MAX_WRITTEN_LENGTH = 60_000  # characters of one response, whitespace included, whatever max_chars says
NEAR_THRESHOLD = 10  # percentage points either side of the pass mark
SHORT_FACTOR = Decimal("1.25")  # a response under 1.25 × min_chars is "short"
OFF_TOPIC_SHARE = Fraction(1, 4)  # fewer concepts hit than this share is "off topic"
PASTED_SHARE = Fraction(1, 2)  # pasted characters at or above this share of the text are "pasted"
INFLECTIONS = ("s", "es", "ed", "ing")

_tokenizer: jieba.Tokenizer | None = None
_tokenizer_lock = threading.Lock()


def _jieba() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                jieba.setLogLevel(60)  # the dictionary loader logs to stderr at INFO
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def text_length(text: str) -> int:
    """Characters excluding whitespace, as the min_chars and max_chars limits count them."""
    return sum(not ch.isspace() for ch in text)


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def tokenize(text: str) -> list[str]:
    """Words of a text: NFKC-folded, lowercased, segmented by jieba, without spaces and punctuation."""
    words = _jieba().lcut(_normalize(text))
    return [w for w in (w.strip() for w in words) if any(ch.isalnum() for ch in w)]


@lru_cache(maxsize=4096)
def _key(synonym: str) -> str:
    return "".join(tokenize(synonym))


def _forms(key: str) -> set[str]:
    """A single English word and its simple inflections: refund, refunds, refunded, refunding."""
    if not (key.isascii() and key.isalpha()):
        return {key}
    forms = {key, *(key + end for end in INFLECTIONS)}
    if key.endswith("e"):
        forms |= {key + "d", key[:-1] + "ing"}
    if key.endswith("y") and len(key) > 1:
        forms |= {key[:-1] + "ies", key[:-1] + "ied"}
    if len(key) >= 3 and key[-1] not in "aeiouwxy" and key[-2] in "aeiou" and key[-3] not in "aeiou":
        forms |= {key + key[-1] + "ed", key + key[-1] + "ing"}  # stop -> stopped, stopping
    return forms


def find(synonym: str, tokens: list[str]) -> bool:
    """Whether the synonym is a run of whole words of the text (English single words also when inflected)."""
    key = _key(synonym)
    if not key:
        return False
    if " " not in synonym.strip() and key.isascii() and key.isalpha():
        forms = _forms(key)
        if any(t in forms for t in tokens):
            return True
    for start in range(len(tokens)):
        joined = ""
        for token in tokens[start:]:
            joined += token
            if joined == key:
                return True
            if not key.startswith(joined):
                break
    return False


def _first(synonyms: list[str], tokens: list[str]) -> str | None:
    return next((s for s in synonyms if find(s, tokens)), None)


def _check_text(data: Mapping[str, Any], text: object) -> int:
    if not isinstance(text, str):
        raise InvalidAnswer("Expected a written response.")
    if len(text) > MAX_WRITTEN_LENGTH:
        raise InvalidAnswer(f"Responses are limited to {MAX_WRITTEN_LENGTH:,} characters.")
    n = text_length(text)
    if n == 0:
        raise InvalidAnswer("The response is empty.")
    low, high = int(data.get("min_chars") or 0), int(data.get("max_chars") or 0)
    if n < low:
        raise InvalidAnswer(f"The response has {n:,} characters; write at least {low:,}.")
    if high and n > high:
        raise InvalidAnswer(f"The response has {n:,} characters; write at most {high:,}.")
    return n


def _criterion(criterion: Mapping[str, Any], tokens: list[str]) -> tuple[dict[str, Any], int, int]:
    """A criterion's score and review row, and how many of its concepts the text hits."""
    max_score = points_of(dict(criterion))
    concepts = [list(c) for c in criterion.get("concepts") or []]
    matched = [_first(synonyms, tokens) for synonyms in concepts]
    hits = sum(m is not None for m in matched)
    required = list(criterion.get("required") or [])
    required_match = _first(required, tokens) if required else None
    forbidden = [phrase for phrase in criterion.get("forbidden") or [] if find(phrase, tokens)]
    if forbidden or (required and required_match is None):
        share = Fraction(0)
    elif concepts:
        share = Fraction(hits, len(concepts))
    else:
        share = Fraction(1)
    score = share_score(max_score, share)
    row = {
        "id": criterion.get("id"),
        "score": str(score),
        "max": str(max_score),
        "concepts": [{"synonyms": s, "matched": m} for s, m in zip(concepts, matched, strict=True)],
        "required": {"synonyms": required, "matched": required_match} if required else None,
        "forbidden": forbidden,
    }
    return row, hits, len(concepts)


def _pasted(signals: Mapping[str, Any] | None, n: int) -> bool:
    raw = (signals or {}).get("pasted_chars")
    if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
        return False
    return Fraction(raw) >= PASTED_SHARE * n


def grade_written(data: Mapping[str, Any], text: str, signals: Mapping[str, Any] | None = None) -> Result:
    """Grade a response against the rubric and say whether a trainer should review it (confidence)."""
    n = _check_text(data, text)
    tokens = tokenize(text)
    rows, hits, concepts = [], 0, 0
    score = max_score = ZERO
    for criterion in data.get("criteria") or []:
        row, hit, count = _criterion(criterion, tokens)
        rows.append(row)
        hits, concepts = hits + hit, concepts + count
        score += Decimal(row["score"])
        max_score += Decimal(row["max"])
    percent = (score * 100 / max_score).quantize(CENT, rounding=ROUND_HALF_UP) if max_score else ZERO
    pass_mark = Decimal(str(data.get("pass_mark", 70)))
    min_chars = int(data.get("min_chars") or 0)
    reasons = []
    if data.get("review") == "always":
        reasons.append("always")
    if abs(percent - pass_mark) <= NEAR_THRESHOLD:
        reasons.append("near_threshold")
    if n < SHORT_FACTOR * min_chars:
        reasons.append("short")
    if concepts and Fraction(hits, concepts) < OFF_TOPIC_SHARE:
        reasons.append("off_topic")
    if _pasted(signals, n):
        reasons.append("pasted")
    details = {
        "kind": "written",
        "chars": n,
        "criteria": rows,
        "percent": str(percent),
        "confidence": "low" if set(reasons) - {"always"} else "high",
        "review_reasons": reasons,
    }
    return Result(score, max_score, score == max_score, "", details)
