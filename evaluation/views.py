"""The recruit's rating page and the trainers' feedback report.

A recruit who may not rate a module gets a 403 page saying why; trainer pages are a 404 for everybody else.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from courses import selectors as course_selectors
from evaluation import aggregation, selectors, services
from evaluation.forms import feedback_form_for
from trainingsite import charts


@login_required
@require_http_methods(["GET", "POST"])
def feedback_form(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the rating form (or the rating given, once it can no longer change). POST: save it."""
    module = course_selectors.module_get(slug=slug)
    progress = selectors.module_progress(user=request.user, module=module)
    state = selectors.recruit_feedback(user=request.user, module=module, progress=progress)
    if state.refusal:
        return render(request, "evaluation/feedback.html", {"state": state}, status=403)
    form = feedback_form_for(state, request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            _row, changed = services.feedback_save(
                user=request.user,
                module=module,
                version_id=form.cleaned_data["version"],
                ratings=form.ratings(),
            )
        except services.FeedbackNotAllowed as exc:
            return render(request, "evaluation/feedback.html", {"state": state, "refused": str(exc)}, 403)
        except services.FeedbackError as exc:
            form.add_error(None, str(exc))
            error = str(exc)
        else:
            if changed:
                messages.success(request, _("Thank you: your rating is saved."))
            return redirect("evaluation_feedback", slug=module.slug)
    if request.method == "POST" and not state.editable and not error:
        # The form is not shown once the rating is frozen: say why the post changed nothing.
        error = _("Your rating can no longer be changed: a rating is open for %(days)d days.") % {
            "days": services.EDIT_DAYS
        }
    ctx = {"state": state, "form": form if state.editable else None, "error": error}
    return render(request, "evaluation/feedback.html", ctx, status=400 if request.method == "POST" else 200)


def _trend_chart(report: selectors.ModuleReport):
    names = {"usefulness": _("Usefulness"), "difficulty": _("Difficulty"), "clarity": _("Clarity")}
    return charts.line_chart(
        [(names[key], [(n, float(avgs[key])) for n, avgs in report.trend]) for key in names],
        title=_("Average ratings by version"),
        empty_text=_("The trend appears once a version has enough answers."),
        y_max=5,
        unit="",
        x_format=lambda n: _("v%(n)s") % {"n": int(n)},
    )


@login_required
@require_GET
def trainer_index(request: HttpRequest) -> HttpResponse:
    rows = selectors.feedback_modules(user=request.user)
    ctx = {"rows": rows, "min_answers": aggregation.MIN_ANSWERS}
    return render(request, "evaluation/trainer/index.html", ctx)


@login_required
@require_GET
def trainer_module(request: HttpRequest, slug: str) -> HttpResponse:
    report = selectors.module_report(user=request.user, slug=slug)
    ctx = {"report": report, "trend_chart": _trend_chart(report)}
    return render(request, "evaluation/trainer/module.html", ctx)
