"""Trainer authoring pages under /author/: module list, history, editor with live preview, diff, publish.

Only trainers and admins reach them (``accounts.policy.is_trainer``): anonymous users are sent to log in,
everybody else gets a 404, as if the pages did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from courses import author_selectors as selectors
from courses import author_services as services
from courses.forms import DraftForm, UploadForm
from courses.services import ContentError


def trainer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not policy.is_trainer(request.user):
            raise Http404("no such page")
        return view(request, *args, **kwargs)

    return wrapper


@trainer_required
@require_GET
def module_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.author_module_list(user=request.user)
    return render(request, "courses/author/module_list.html", {"rows": rows})


@trainer_required
@require_GET
def module_history(request: HttpRequest, slug: str) -> HttpResponse:
    history = selectors.author_module_history(user=request.user, slug=slug)
    return render(request, "courses/author/module_history.html", {"history": history})


@trainer_required
@require_GET
def version_source(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = selectors.author_version_source(user=request.user, slug=slug, number=number)
    response = HttpResponse(version.source, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-v{number}.md"'
    return response


def _editor(
    request: HttpRequest,
    *,
    slug: str,
    start: selectors.EditStart | None,
    form: DraftForm,
    upload: UploadForm,
    status: int = 200,
) -> HttpResponse:
    source = form.cleaned_data.get("source") if form.is_bound and form.is_valid() else None
    if source is None:
        source = form["source"].value() or ""
    if form.is_bound and not form.is_valid():
        preview = None
    else:
        preview = selectors.draft_preview(user=request.user, source=source, slug=slug)
    ctx = {"slug": slug, "start": start, "form": form, "upload": upload, "preview": preview}
    return render(request, "courses/author/module_edit.html", ctx, status=status)


def _save(
    request: HttpRequest, *, slug: str, source: str, stamp: str, form: DraftForm | UploadForm
) -> HttpResponse | None:
    """Save the draft and redirect, or put the reason on the form and return None."""
    try:
        draft = services.module_draft_save(acting_user=request.user, slug=slug, source=source, stamp=stamp)
    except services.DraftError as exc:
        form.add_error(None, str(exc))
        return None
    messages.success(request, _("Draft saved. Nothing is published until you publish it."))
    if request.POST.get("action") == "review":
        return redirect("author_diff", slug=draft.slug)
    return redirect("author_edit", slug=draft.slug)


@trainer_required
@require_http_methods(["GET", "POST"])
def module_edit(request: HttpRequest, slug: str) -> HttpResponse:
    start = selectors.author_edit_start(user=request.user, slug=slug)
    initial = {"source": start.text, "stamp": start.stamp, "slug": slug}
    form, upload = DraftForm(initial=initial), UploadForm(initial={"stamp": start.stamp})
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "discard":
            services.module_draft_discard(acting_user=request.user, slug=slug)
            messages.success(request, _("Draft discarded. The published version is unchanged."))
            return redirect("author_module", slug=slug)
        if action == "upload":
            upload = UploadForm(request.POST, request.FILES)
            if upload.is_valid():
                stamp = upload.cleaned_data["stamp"]
                response = _save(
                    request, slug=slug, source=upload.cleaned_data["file"], stamp=stamp, form=upload
                )
                if response:
                    return response
            return _editor(request, slug=slug, start=start, form=form, upload=upload, status=400)
        form = DraftForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            response = _save(request, slug=slug, source=data["source"], stamp=data["stamp"], form=form)
            if response:
                return response
        return _editor(request, slug=slug, start=start, form=form, upload=upload, status=400)
    return _editor(request, slug=slug, start=start, form=form, upload=upload)


@trainer_required
@require_http_methods(["GET", "POST"])
def module_new(request: HttpRequest) -> HttpResponse:
    form = DraftForm(initial={"source": selectors.NEW_MODULE_TEMPLATE})
    upload = UploadForm()
    if request.method == "POST":
        if request.POST.get("action") == "upload":
            upload = UploadForm(request.POST, request.FILES)
            if upload.is_valid():
                response = _save(request, slug="", source=upload.cleaned_data["file"], stamp="", form=upload)
                if response:
                    return response
        else:
            form = DraftForm(request.POST)
            if form.is_valid():
                response = _save(request, slug="", source=form.cleaned_data["source"], stamp="", form=form)
                if response:
                    return response
        return _editor(request, slug="", start=None, form=form, upload=upload, status=400)
    return _editor(request, slug="", start=None, form=form, upload=upload)


@trainer_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The htmx live preview: always 200 (htmx swaps only successes), never writes."""
    form = DraftForm(request.POST)
    ctx: dict = {"form": form, "preview": None}
    if form.is_valid():
        ctx["preview"] = selectors.draft_preview(
            user=request.user, source=form.cleaned_data["source"], slug=form.cleaned_data["slug"]
        )
    return render(request, "courses/author/_preview.html", ctx)


@trainer_required
@require_GET
def module_diff(request: HttpRequest, slug: str) -> HttpResponse:
    review = selectors.author_draft_review(user=request.user, slug=slug)
    return render(request, "courses/author/module_diff.html", {"review": review})


@trainer_required
@require_POST
def module_publish(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        result = services.module_draft_publish(
            acting_user=request.user,
            slug=slug,
            stamp=request.POST.get("stamp", ""),
            replace_newer=request.POST.get("replace_newer") == "on",
        )
    except services.DraftGone as exc:
        messages.error(request, str(exc))
        return redirect("author_module", slug=slug)
    except services.DraftConflict as exc:
        messages.error(request, str(exc))
        return redirect("author_diff", slug=slug)
    except ContentError:
        messages.error(request, _("The draft has errors: fix them before publishing."))
        return redirect("author_diff", slug=slug)
    if result.version is None:
        messages.info(request, _("Nothing to publish: the current version already has exactly this text."))
    else:
        messages.success(
            request, _("Published version %(n)s, edited in the site.") % {"n": result.version.number}
        )
    return redirect("author_module", slug=slug)
