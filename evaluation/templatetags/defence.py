"""Template hooks for the 转正答辩: other apps' pages show a defence without importing this app."""

from __future__ import annotations

from django import template

from evaluation import defence_selectors

register = template.Library()


@register.inclusion_tag("evaluation/defence/_home_card.html", takes_context=True)
def recruit_defence(context) -> dict:
    """On the recruit's home: their latest defence (date, panel, result once final), 2 queries."""
    return {"defence": defence_selectors.defence_latest_for_recruit(user=context["request"].user)}


@register.simple_tag
def cohort_defences(cohort) -> dict:
    """The latest defence of every recruit of ``cohort`` by user id, for the manager's table (1 query)."""
    return defence_selectors.cohort_defences(cohort_id=cohort.pk)


@register.filter
def defence_of(defences: dict, user_id: int):
    return defences.get(user_id)
