"""Written responses graded against a rubric, counting only what the recruit wrote in sentences of their own.

The text is plain text: it is never interpreted as HTML. Matching works on words (jieba), so the synonym "账"
does not match inside "账号", while "到账" matches whether jieba keeps it whole or splits it.

A concept counts only inside one of the recruit's own sentences: a run of text ended by 。！？!?；; or a line
break that, once stock phrases and the rubric's own words are taken out, still has 8 or more characters and
a verb, is not mostly a list, and is not copied (80 % of its character 3-grams) from the brief or the
criteria. Fewer than ``MIN_OWN_SENTENCES`` such sentences score 0 on every criterion. Facts (``facts``)
are regular expressions that must match a real sentence (the recruit's own, or one copied from the brief);
forbidden claims (``forbids``) must match nowhere. Every step is linear in the length of the response.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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

MIN_SENTENCE_CHARS = 8  # non-space characters a sentence keeps after stock phrases and rubric words go
MAX_LIST_SHARE = Fraction(2, 5)  # separators and list markers above this share make a sentence a list
SHORT_ITEM_CHARS = 4  # an enumeration whose every part is this short is a list, verb or not
COPY_SHARE = Fraction(4, 5)  # this share of a sentence's 3-grams found in the brief or criteria: copied
MIN_OWN_SENTENCES = 3  # fewer sentences of the recruit's own score 0 on every criterion
MIN_ENGLISH_WORDS = 3  # jieba cannot tag English verbs: a clause of 3 words stands in for one

# Stock phrases that say nothing about the task; removed before anything is matched or counted.
STOCK_PHRASES = (
    "多学习",
    "多总结",
    "多沟通",
    "多思考",
    "多反思",
    "全面提升",
    "不断进步",
    "持续优化",
    "持续改进",
    "加强沟通",
    "提高认识",
    "提升能力",
    "提高能力",
    "加强学习",
    "深入学习",
    "努力提升",
    "积极主动",
    "认真负责",
    "总结经验",
    "查漏补缺",
    "取长补短",
    "精益求精",
    "再接再厉",
    "齐心协力",
    "共同努力",
    "不断完善",
    "全力以赴",
    "稳步推进",
    "落到实处",
    "提质增效",
    "开拓创新",
    "砥砺前行",
)
STOCK_RE = re.compile("|".join(map(re.escape, STOCK_PHRASES)))
SENTENCE_END_RE = re.compile(r"[。！？!?；;\n\r]+|\.(?=\s)")
LIST_MARKER_RE = re.compile(
    r"\s*(?:[-*+•·●▪◦]|\d{1,3}[.)、．]|[（(]\d{1,3}[)）]|[一二三四五六七八九十]{1,3}、)\s*"
)
SEPARATORS = frozenset("、,，/／|｜")
PART_SPLIT_RE = re.compile(r"[、,，/／|｜]")

# Codes for notes on the whole response; the review and result pages translate them.
NOTE_TOO_FEW_SENTENCES = "too_few_sentences"

_tokenizer: jieba.Tokenizer | None = None
_tags: dict[str, str] | None = None
_tokenizer_lock = threading.Lock()


def _jieba() -> jieba.Tokenizer:
    global _tokenizer, _tags
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                jieba.setLogLevel(60)  # the dictionary loader logs to stderr at INFO
                from jieba import posseg

                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tags = posseg.dt.word_tag_tab
                _tokenizer = tokenizer
    return _tokenizer


def _tag(word: str) -> str:
    _jieba()
    return (_tags or {}).get(word, "")


# Not counted: Unicode White_Space and the zero-width characters a paste brings along. The page's counter
# (UNCOUNTED in static/js/site.js) lists the same characters.
UNCOUNTED = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\u200b\u200c\u200d\u2060\ufeff"
)


def text_length(text: str) -> int:
    """The one count of a written answer, shown while typing and checked against min_chars and max_chars:
    code points of the NFC form (an emoji or "é" is one), whitespace and zero-width characters left out."""
    return sum(ch not in UNCOUNTED for ch in unicodedata.normalize("NFC", text))


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _words(normalized: str) -> list[str]:
    words = _jieba().lcut(normalized)
    return [w for w in (w.strip() for w in words) if any(ch.isalnum() for ch in w)]


def tokenize(text: str) -> list[str]:
    """Words of a text: NFKC-folded, lowercased, segmented by jieba, without spaces and punctuation."""
    return _words(_normalize(text))


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
    """Whether the synonym is a run of whole words of the text (English single words also when inflected).

    Linear in the number of tokens: a run is followed only while it is a prefix of the synonym.
    """
    key = _key(synonym)
    if not key:
        return False
    if " " not in synonym.strip() and key.isascii() and key.isalpha():
        forms = _forms(key)
        if any(t in forms for t in tokens):
            return True
    n = len(tokens)
    for start in range(n):
        if not key.startswith(tokens[start]):
            continue
        joined = ""
        for index in range(start, n):
            joined += tokens[index]
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


# ---------------------------------------------------------------- sentences of the recruit's own


def _trigrams(text: str) -> set[str]:
    chars = "".join(ch for ch in text if not ch.isspace())
    return {chars[i : i + 3] for i in range(len(chars) - 2)}


@lru_cache(maxsize=64)
def _reference_trigrams(reference: str) -> frozenset[str]:
    return frozenset(_trigrams(_normalize(reference)))


def _reference(data: Mapping[str, Any]) -> str:
    parts = [str(data.get("brief") or "")]
    parts += [str(c.get("description") or "") for c in data.get("criteria") or []]
    return "\n".join(parts)


@lru_cache(maxsize=64)
def _rubric_words(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(token for word in words for token in tokenize(word))


def _rubric_vocabulary(data: Mapping[str, Any]) -> frozenset[str]:
    words: list[str] = []
    for c in data.get("criteria") or []:
        for concept in c.get("concepts") or []:
            words.extend(concept)
        words.extend(c.get("required") or [])
    return _rubric_words(tuple(words))


def _is_list(sentence: str) -> bool:
    """Mostly separators and list markers, or an enumeration of parts no longer than a few characters."""
    body = "".join(sentence.split())
    if not body:
        return True
    marker = LIST_MARKER_RE.match(sentence)
    rest = sentence[marker.end() :] if marker else sentence
    separators = sum(ch in SEPARATORS for ch in body) + len(body) - len("".join(rest.split()))
    if Fraction(separators, len(body)) > MAX_LIST_SHARE:
        return True
    parts = [p for p in (p.strip() for p in PART_SPLIT_RE.split(rest)) if p]
    return len(parts) >= 3 and all(text_length(p) <= SHORT_ITEM_CHARS for p in parts)


@dataclass(frozen=True)
class Sentence:
    text: str  # normalized, stock phrases removed
    tokens: list[str]
    own: bool
    why: str  # "" when own; else short | list | no_verb | copied


def _sentence(raw: str, rubric_words: frozenset[str], reference: frozenset[str]) -> Sentence:
    text = STOCK_RE.sub("", raw)
    tokens = _words(text)
    residue = [t for t in tokens if t not in rubric_words]
    if sum(len(t) for t in residue) < MIN_SENTENCE_CHARS:
        return Sentence(text, tokens, False, "short")
    if _is_list(text):
        return Sentence(text, tokens, False, "list")
    english = sum(t.isascii() and t.isalpha() for t in tokens)
    if english < MIN_ENGLISH_WORDS and not any(_tag(t).startswith("v") for t in tokens):
        return Sentence(text, tokens, False, "no_verb")
    grams = _trigrams(text)
    if reference and grams and Fraction(len(grams & reference), len(grams)) >= COPY_SHARE:
        return Sentence(text, tokens, False, "copied")
    return Sentence(text, tokens, True, "")


def sentences(data: Mapping[str, Any], text: str) -> list[Sentence]:
    """The response split into sentences, each marked whether it counts as the recruit's own."""
    rubric_words = _rubric_vocabulary(data)
    reference = _reference_trigrams(_reference(data))
    out = []
    for raw in SENTENCE_END_RE.split(_normalize(text)):
        if raw.strip():
            out.append(_sentence(raw, rubric_words, reference))
    return out


# ---------------------------------------------------------------- criteria


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A fact or forbid pattern as the grader matches it; raises re.error for a bad one."""
    return re.compile(pattern, re.IGNORECASE)


def _matches(pattern: str, texts: Iterable[str]) -> bool:
    try:
        regex = compile_pattern(pattern)
    except re.error:
        return False  # the validator refuses such content; never crash a grading run on it
    return any(regex.search(t) for t in texts)


def level_of(share: Fraction) -> int:
    """The level (1…4) nearest to a share of a criterion's points: the suggestion a trainer starts from."""
    return 1 + int(share * 3 + Fraction(1, 2))


def level_points(points: Decimal, level: int, levels: int = 4) -> Decimal:
    """A trainer's level as points: points × (level − 1) / (levels − 1), rounded half up to 0.01."""
    if not 1 <= level <= levels:
        raise ValueError(f"level must be between 1 and {levels}")
    return (points * (level - 1) / (levels - 1)).quantize(CENT, rounding=ROUND_HALF_UP)


def _criterion(
    criterion: Mapping[str, Any],
    own_tokens: list[str],
    all_tokens: list[str],
    fact_texts: list[str],
    all_texts: list[str],
    padded: bool,
) -> tuple[dict[str, Any], int, int]:
    """A criterion's score and review row, and how many of its concepts the text hits."""
    max_score = points_of(dict(criterion))
    concepts = [list(c) for c in criterion.get("concepts") or []]
    matched = [_first(synonyms, own_tokens) for synonyms in concepts]
    hits = sum(m is not None for m in matched)
    required = list(criterion.get("required") or [])
    required_match = _first(required, own_tokens) if required else None
    forbidden = [phrase for phrase in criterion.get("forbidden") or [] if find(phrase, all_tokens)]
    reasons: list[str] = []
    missing = [f for f in criterion.get("facts") or [] if not _matches(f["pattern"], fact_texts)]
    broken = [f for f in criterion.get("forbids") or [] if _matches(f["pattern"], all_texts)]
    reasons += [f.get("reason") or f.get("id", "") for f in missing]
    reasons += [f.get("reason") or f.get("id", "") for f in broken]
    if padded or forbidden or missing or broken or (required and required_match is None):
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
        "facts_missing": [f.get("id", "") for f in missing],
        "forbids_found": [f.get("id", "") for f in broken],
        "reasons": reasons,
    }
    if criterion.get("levels"):
        row["level"] = level_of(share)
    return row, hits, len(concepts)


def _pasted(signals: Mapping[str, Any] | None, n: int) -> bool:
    raw = (signals or {}).get("pasted_chars")
    if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
        return False
    return Fraction(raw) >= PASTED_SHARE * n


def _joined(parts: Iterable[list[str]]) -> list[str]:
    """Token lists joined with a separator no synonym can match, so no match spans two sentences."""
    out: list[str] = []
    for tokens in parts:
        out.extend(tokens)
        out.append("\x00")
    return out


def grade_written(data: Mapping[str, Any], text: str, signals: Mapping[str, Any] | None = None) -> Result:
    """Grade a response against the rubric and say whether a trainer should review it (confidence)."""
    n = _check_text(data, text)
    split = sentences(data, text)
    own = [s for s in split if s.own]
    padded = len(own) < MIN_OWN_SENTENCES
    own_tokens = _joined(s.tokens for s in own)
    all_tokens = _joined(s.tokens for s in split)
    # A fact stated in a sentence copied from the brief is still stated: facts look at every real sentence.
    fact_texts = [s.text for s in split if s.own or s.why == "copied"]
    all_texts = [text, unicodedata.normalize("NFKC", text)]
    rows, hits, concepts = [], 0, 0
    score = max_score = ZERO
    for criterion in data.get("criteria") or []:
        row, hit, count = _criterion(criterion, own_tokens, all_tokens, fact_texts, all_texts, padded)
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
        "sentences": len(split),
        "own_sentences": len(own),
        "notes": [NOTE_TOO_FEW_SENTENCES] if padded else [],
        "confidence": "low" if set(reasons) - {"always"} else "high",
        "review_reasons": reasons,
    }
    return Result(score, max_score, score == max_score, "", details)
