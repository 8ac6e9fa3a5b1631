"""Recruit pages for case-study drills: the drill page, a scenario's steps, a written response, a dataset."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import drill_services, rules, selectors, services
from assessments.models import Attempt
from courses import selectors as course_selectors


@login_required
@require_http_methods(["GET", "POST"])
def drill_detail(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """GET: what the drill asks and the recruit's attempts. POST: start or continue."""
    module = course_selectors.module_get(slug=slug)
    drill = selectors.drill_get(module=module, key=key)
    if request.method == "POST":
        try:
            attempt = drill_services.drill_attempt_start(user=request.user, drill=drill)
        except drill_services.DrillError as exc:
            messages.error(request, str(exc))
            return redirect("drill_detail", slug=slug, key=key)
        return redirect("attempt_detail", attempt_id=attempt.pk)
    attempts = selectors.drill_attempts(user=request.user, drill=drill)
    ctx = {
        "module": module,
        "drill": drill,
        "attempts": attempts,
        "open_attempt": next((a for a in attempts if a.is_open), None),
        "refusal": services.lock_refusal(user=request.user, module=module)
        or rules.start_refusal(
            quiz=drill,
            attempts=attempts,
            now=timezone.now(),
            cycle_start=rules.cycle_start(user=request.user, module=module),
        ),
        "rules": rules.rules_summary(assessment=drill, attempts=attempts),
    }
    return render(request, "assessments/drill_detail.html", ctx)


def attempt_page(
    request: HttpRequest, attempt: Attempt, *, error: str = "", status: int = 200
) -> HttpResponse:
    """An open scenario or written attempt, or any finished drill attempt's result."""
    ctx = {"attempt": attempt, "drill": attempt.drill, "module": attempt.drill.version.module, "error": error}
    if attempt.is_open and attempt.drill.kind == "scenario":
        ctx["step"] = selectors.scenario_step(attempt=attempt)
        return render(request, "assessments/attempt_scenario.html", ctx, status=status)
    if attempt.is_open and attempt.drill.kind == "written":
        ctx["text"] = attempt.state.get("text", "")
        return render(request, "assessments/attempt_written.html", ctx, status=status)
    ctx.update(selectors.attempt_review_context(attempt=attempt))
    return render(request, "assessments/attempt_drill_result.html", ctx, status=status)


@login_required
@require_POST
def scenario_choose(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get(user=request.user, attempt_id=attempt_id)
    try:
        position = int(request.POST.get("choice", ""))
    except ValueError:
        position = -1
    try:
        attempt = drill_services.scenario_choose(
            user=request.user, attempt_id=attempt.pk, step=request.POST.get("step", ""), position=position
        )
    except drill_services.DrillError as exc:
        attempt.refresh_from_db()
        if not attempt.is_open:
            messages.error(request, str(exc))
            return redirect("attempt_detail", attempt_id=attempt.pk)
        return attempt_page(request, attempt, error=str(exc), status=400)
    return redirect("attempt_detail", attempt_id=attempt.pk)


@login_required
@require_POST
def written_autosave(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get(user=request.user, attempt_id=attempt_id)
    try:
        changed = drill_services.written_save(
            user=request.user,
            attempt_id=attempt.pk,
            text=request.POST.get("text", ""),
            pasted_chars=request.POST.get("pasted_chars"),
        )
    except drill_services.DrillError as exc:
        return JsonResponse({"ok": False, "error": str(exc)}, status=400)
    return JsonResponse({"ok": True, "changed": changed})


def written_submit(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    try:
        drill_services.written_submit(
            user=request.user,
            attempt_id=attempt.pk,
            text=request.POST.get("text", ""),
            pasted_chars=request.POST.get("pasted_chars"),
        )
    except drill_services.DrillError as exc:
        # Keep what was typed: the page shows the posted text with the message, and autosave has it too.
        attempt.refresh_from_db()
        attempt.state = {
            **attempt.state,
            "text": request.POST.get("text", "")[: drill_services.WRITTEN_HARD_LIMIT],
        }
        return attempt_page(request, attempt, error=str(exc), status=400)
    return redirect("attempt_detail", attempt_id=attempt.pk)


@login_required
@require_GET
def dataset_csv(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """A data exercise's own dataset as CSV (UTF-8 with a BOM, so spreadsheet programs read it right)."""
    attempt = selectors.attempt_get(user=request.user, attempt_id=attempt_id)
    columns, rows = selectors.dataset_table(attempt=attempt)
    if not columns:
        return HttpResponse(status=404)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{attempt.drill.key}-{attempt.number}.csv"'
    return response
