"""Template hooks: other apps' pages ask for a rating without importing this app."""

from __future__ import annotations

from django import template

from evaluation import selectors
from evaluation.forms import feedback_form_for

register = template.Library()


@register.inclusion_tag("evaluation/_module_prompt.html", takes_context=True)
def feedback_module_prompt(context, module, progress) -> dict:
    """On a module page the recruit has passed: the rating form, or the rating given (one query)."""
    state = selectors.recruit_feedback(user=context["request"].user, module=module, progress=progress)
    form = feedback_form_for(state) if state.editable else None
    return {"state": state, "form": form, "request": context["request"]}


@register.inclusion_tag("evaluation/_result_prompt.html", takes_context=True)
def feedback_result_prompt(context, module_id: int) -> dict:
    """On a passed result: ask for a rating when the module is passed and not yet rated (one query)."""
    return {"prompt": selectors.result_prompt(user=context["request"].user, module_id=module_id)}
