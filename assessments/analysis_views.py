"""Trainer pages for item analysis: which questions are fair, how recruits move through a scenario.

Only trainers and staff reach them; everybody else (signed in or not) gets a 404, as if they did not exist.
The pages read stored statistics only; "refresh now" queues the reports task. No page names a recruit.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments import analysis
from assessments import analysis_selectors as sel
from trainingsite import charts


def _label(text: str, mark: str = "") -> str:
    return f"{mark} {text}".strip() if mark else text


def _histogram(page: sel.StatisticsPage) -> SafeString:
    edges, counts = page.histogram
    # The stored record keeps the bin counts; the chart counts values, so each bin gives its middle.
    values = [
        (low + high) / 2
        for low, high, count in zip(edges, edges[1:], counts, strict=False)
        for _ in range(count)
    ]
    return charts.histogram(
        values,
        title=_("Score distribution"),
        empty_text=_("No graded attempt yet."),
        bins=[*edges[:-1], edges[-1] + 0.0001],
        x_label=_("Score (%)"),
        y_label=_("Attempts"),
        highlight_from=page.pass_mark or None,
    )


def _facility_chart(questions: list[sel.QuestionRow]) -> SafeString:
    return charts.bar_chart(
        [(q.key, q.facility_percent) for q in questions],
        title=_("Facility: share of the points earned, by question"),
        empty_text=_("No answer graded yet."),
    )


def _choices_chart(version: sel.VersionRow) -> SafeString:
    return charts.bar_chart(
        [(_label(c.text, "✓" if c.correct else ""), c.share) for c in version.choices],
        title=_("How often each choice was picked (✓ marks a right choice)"),
        empty_text=_("No answer graded yet."),
    )


def _trend_chart(question: sel.QuestionRow) -> SafeString | None:
    points = [(v.created_at, v.facility_percent) for v in question.versions if v.n and v.created_at]
    if len(points) < 2:
        return None
    return charts.line_chart(
        [(_("Facility"), points)],
        title=_("Facility across versions of the question"),
        empty_text=_("No answer graded yet."),
    )


def _flow_charts(steps: list[sel.FlowStep], endings: list[sel.FlowEnding]) -> tuple[list, SafeString]:
    step_charts = [
        (
            step,
            charts.bar_chart(
                [(_label(c.text, "★" if c.best else ""), c.share) for c in step.choices],
                title=_("Choices taken at step %(step)s") % {"step": step.id},
                empty_text=_("Nobody has reached this step yet."),
            ),
        )
        for step in steps
    ]
    ending_chart = charts.bar_chart(
        [(e.text, e.share) for e in endings],
        title=_("Endings reached"),
        empty_text=_("Nobody has finished this scenario yet."),
    )
    return step_charts, ending_chart


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    modules = sel.analysis_index(user=request.user)
    return render(request, "assessments/analysis/index.html", _index_context(modules))


@require_GET
def index_table(request: HttpRequest) -> HttpResponse:
    """The htmx poll of the index while any row is being recomputed."""
    modules = sel.analysis_index(user=request.user)
    return render(request, "assessments/analysis/_index_table.html", _index_context(modules))


def _index_context(modules: list[sel.IndexModule]) -> dict:
    updating = any(row.state == sel.UPDATING for m in modules for row in m.rows)
    return {"modules": modules, "updating": updating}


@require_GET
def detail(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    page = sel.statistics_page(user=request.user, slug=slug, key=key)
    ctx: dict = {"page": page}
    if page.has_numbers:
        questions = page.questions
        ctx.update(questions=questions, histogram=_histogram(page))
        if questions:
            ctx["facility_chart"] = _facility_chart(questions)
        if page.kind == "scenario":
            steps, endings = page.flow
            ctx["step_charts"], ctx["ending_chart"] = _flow_charts(steps, endings)
            ctx["endings"] = endings
    return render(request, "assessments/analysis/detail.html", ctx)


@require_GET
def question(request: HttpRequest, slug: str, key: str, question_id: int) -> HttpResponse:
    page, row = sel.question_page(user=request.user, slug=slug, key=key, question_id=question_id)
    versions = [(v, _choices_chart(v) if v.has_choices else None) for v in reversed(row.versions)]
    ctx = {"page": page, "question": row, "versions": versions, "trend_chart": _trend_chart(row)}
    return render(request, "assessments/analysis/question.html", ctx)


@require_GET
def status(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """The htmx poll while the statistics are recomputed; once they are current the page reloads."""
    current = sel.statistics_status(user=request.user, slug=slug, key=key)
    response = render(
        request,
        "assessments/analysis/_status.html",
        {"status": current, "slug": slug, "key": key, "since": request.GET.get("since", "")},
    )
    if current.state == sel.CURRENT and current.as_of != request.GET.get("since", ""):
        response["HX-Refresh"] = "true"
    return response


@require_POST
def refresh(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    module = sel.statistics_target(user=request.user, slug=slug, key=key)
    analysis.statistics_refresh_now(module_id=module.pk, key=key)
    messages.success(request, _("The statistics are being recomputed; the page updates when they are ready."))
    if request.POST.get("back") == "index":
        return redirect("analysis_index")
    return redirect("analysis_detail", slug=slug, key=key)
