"""Template helpers of the spaced review: the home page's review box (the home view stays in ``courses``,
which does not import ``retention``) and two small filters for the recall table."""

from __future__ import annotations

from typing import Any

from django import template

from accounts import policy
from retention.selectors import review_plan

register = template.Library()


@register.inclusion_tag("retention/_review_box.html", takes_context=True)
def review_box(context) -> dict[str, Any]:
    """The recruit's daily review summary (``retention.selectors.review_plan``: 5 queries)."""
    request = context["request"]
    user = request.user
    plan = review_plan(user=user) if policy.can_take_assessments(user) else None
    return {"plan": plan, "request": request, "csrf_token": context.get("csrf_token")}


@register.filter
def get(mapping: dict | None, key: str) -> Any:
    return (mapping or {}).get(key)


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(float(value) * 100)}%"
