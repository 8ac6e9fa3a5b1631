"""Spec objects to the JSON stored on versions, and stored JSON to what a recruit may see before grading.

``question_data`` is the full record (answer key included) stored on an immutable ``QuestionVersion``;
``public_question`` is the only view of it an open attempt ever gets: no correct flags, accepted answers,
numeric key, feedback or explanation (DESIGN.md: answer keys never leave the server early).
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from courses.authoring.render import render_inline, render_markdown, render_optional
from courses.authoring.specs import Drill, Question, Quiz

BLANK_HTML = '<span class="blank" aria-label="blank">＿＿＿＿</span>'


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def question_data(q: Question) -> dict[str, Any]:
    """The stored record of one question version, html rendered and sanitised."""
    stem_html = render_markdown(q.stem).replace("[[]]", BLANK_HTML)
    data: dict[str, Any] = {
        "id": q.id,
        "type": q.type,
        "points": _num(q.points),
        "scoring": q.scoring,
        "tags": list(q.tags),
        "stem_html": stem_html,
        "hint_html": render_optional(q.hint),
        "explanation_html": render_optional(q.explanation),
        "correct_feedback_html": render_optional(q.correct_feedback),
        "wrong_feedback_html": render_optional(q.wrong_feedback),
        "choices": [
            {
                "id": c.id,
                "html": render_inline(c.text),
                "correct": c.correct,
                "feedback_html": render_optional(c.feedback),
                # Only weighted choices carry the key, so unweighted questions keep their stored form.
                **({"weight": _num(c.weight)} if c.weight is not None else {}),
            }
            for c in q.choices
        ],
        "accepted": list(q.accepted),
        "numeric": None,
        "items": [{"id": i.id, "html": render_inline(i.text)} for i in q.items],
        "pairs": [
            {
                "id": p.id,
                "left_html": render_inline(p.left),
                "right_id": "r" + p.id[1:],
                "right_html": render_inline(p.right),
            }
            for p in q.pairs
        ],
        "unit": q.unit,
        "expr": q.expr,
    }
    if q.numeric is not None:
        n = q.numeric
        data["numeric"] = {
            "value": _num(n.value),
            "tolerance": _num(n.tolerance) or "0",
            "min": _num(n.min),
            "max": _num(n.max),
        }
    return data


def content_hash(data: dict[str, Any]) -> str:
    """A stable digest of a question record: equal content, equal hash, so re-imports reuse the version."""
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def quiz_data(quiz: Quiz) -> dict[str, Any]:
    # "confidence" only when asked for, so the settings of every quiz published before it stay equal.
    extra = {"confidence": True} if quiz.confidence else {}
    return {
        "draw": quiz.draw,
        "shuffle_questions": quiz.shuffle_questions,
        "shuffle_choices": quiz.shuffle_choices,
        "time_limit_minutes": quiz.time_limit_minutes,
        "attempts_allowed": quiz.attempts_allowed,
        "wait_minutes": quiz.wait_minutes,
        "counts": quiz.counts,
        "show_answers": quiz.show_answers,
        **extra,
    }


def rubric_data(drill: Drill, *, pass_mark: int) -> dict[str, Any]:
    """What the written grader reads (no html): the rubric, the brief and criteria text for the copy check.

    The validator grades marked samples with exactly this, the importer stores it inside ``drill_data``."""
    return {
        "pass_mark": pass_mark,
        "min_chars": drill.min_chars,
        "max_chars": drill.max_chars,
        "review": drill.review,
        "grader": drill.options.get("grader") or "rubric",
        "brief": drill.intro,
        "criteria": [
            {
                "id": c.id,
                "description": c.description,
                "points": _num(c.points),
                "concepts": [list(synonyms) for synonyms in c.concepts],
                "required": list(c.required),
                "forbidden": list(c.forbidden),
                "levels": list(c.levels),
                "facts": [{"id": f.id, "pattern": f.pattern, "reason": f.reason} for f in c.facts],
                "forbids": [{"id": f.id, "pattern": f.pattern, "reason": f.reason} for f in c.forbids],
            }
            for c in drill.criteria
        ],
    }


def drill_data(drill: Drill, *, pass_mark: int) -> dict[str, Any]:
    """The stored record of one drill, html rendered and sanitised; the answer key is in it, so only the
    server reads it. A data exercise's questions are stored as question versions beside it."""
    data: dict[str, Any] = {
        "kind": drill.kind,
        "title": drill.title,
        "pass_mark": pass_mark,
        "attempts": int(drill.options.get("attempts") or 0),
    }
    if drill.kind == "scenario":
        data["start"] = drill.start
        data["order"] = [s.id for s in drill.steps]
        data["steps"] = {
            s.id: {
                "html": render_markdown(s.text) if s.text.strip() else "",
                "ending": s.is_ending,
                "outcome": s.outcome,
                "time_limit_seconds": s.time_limit_seconds,
                "choices": [
                    {
                        "label_html": render_inline(c.label),
                        "target": c.target,
                        "points": _num(c.points),
                        "feedback_html": render_optional(c.feedback),
                    }
                    for c in s.choices
                ],
            }
            for s in drill.steps
        }
    elif drill.kind == "data":
        data["generator"] = drill.generator
        data["params"] = dict(drill.params)
    elif drill.kind == "written":
        rubric = rubric_data(drill, pass_mark=pass_mark)
        for row, c in zip(rubric["criteria"], drill.criteria, strict=True):
            row["description_html"] = render_optional(c.description)
        data.update(rubric)
        # Marked samples are answer keys: stored for the server (calibration, trainers), never rendered.
        data["tolerance"] = _num(drill.tolerance)
        data["certification"] = drill.options.get("certification") == "true"  # set by the importer
        data["samples"] = [{"id": s.id, "score": _num(s.score), "text": s.text} for s in drill.samples]
    return data


def _in_order(rows: list[dict[str, Any]], order: list[str] | None, key: str = "id") -> list[dict[str, Any]]:
    if not order:
        return rows
    by_id = {row[key]: row for row in rows}
    ordered = [by_id[i] for i in order if i in by_id]
    return ordered if len(ordered) == len(rows) else rows


def public_question(
    data: dict[str, Any],
    *,
    choice_order: list[str] | None = None,
    item_order: list[str] | None = None,
    right_order: list[str] | None = None,
) -> dict[str, Any]:
    """What a recruit sees while answering: the question without any part of its answer key."""
    public: dict[str, Any] = {
        "id": data["id"],
        "type": data["type"],
        "points": data.get("points"),
        "stem_html": data.get("stem_html", ""),
        "hint_html": data.get("hint_html", ""),
        "unit": data.get("unit", ""),
        "choices": [
            {"id": c["id"], "html": c["html"]} for c in _in_order(data.get("choices") or [], choice_order)
        ],
        "items": [{"id": i["id"], "html": i["html"]} for i in _in_order(data.get("items") or [], item_order)],
        "lefts": [{"id": p["id"], "html": p["left_html"]} for p in data.get("pairs") or []],
        "rights": [
            {"id": p["right_id"], "html": p["right_html"]}
            for p in _in_order(data.get("pairs") or [], right_order, key="right_id")
        ],
    }
    return public
