"""Writes for the trainer authoring pages: save, discard and publish a module draft edited in the site.

Publishing goes through ``content_import`` like a content/ import does (same validation, same transaction,
same immutable versions) and marks the new version ``origin=site`` with its exact source text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from courses.author_selectors import (
    MAX_SOURCE_BYTES,
    draft_check,
    draft_stamp,
    known_certification_requirements,
    known_module_specs,
    same_as_published,
    site_path,
)
from courses.authoring.parser import parse_module
from courses.authoring.specs import ContentTree
from courses.authoring.validate import SLUG_RE
from courses.models import Module, ModuleDraft, ModuleVersion, Origin
from courses.services import ContentError, content_import


def _require_trainer(user: User) -> None:
    if not policy.is_trainer(user):
        raise PermissionDenied("only trainers and admins edit modules")


class DraftError(Exception):
    """The draft cannot be saved or published as asked; the message says why and what to do."""


class DraftConflict(DraftError):
    """Somebody else saved the draft or published the module since this page was loaded."""


class DraftGone(DraftConflict):
    """There is no draft any more: it was published (a double submit) or discarded."""


def _check_size(source: str) -> None:
    size = len(source.encode("utf-8", "surrogatepass"))
    if size > MAX_SOURCE_BYTES:
        raise DraftError(
            _("The module is %(size)s bytes; the limit is %(limit)s bytes (1 MB).")
            % {"size": f"{size:,}", "limit": f"{MAX_SOURCE_BYTES:,}"}
        )


def module_draft_save(*, acting_user: User, slug: str, source: str, stamp: str) -> ModuleDraft:
    """Save the editor's text as the module's draft. ``slug`` "" starts a new module from the front matter.

    ``stamp`` is the draft the editor was opened on ("" for none): a draft saved by somebody else in the
    meantime is never overwritten silently.
    """
    _require_trainer(acting_user)
    _check_size(source)
    with transaction.atomic():
        if not slug:
            spec, _messages = parse_module([(site_path(""), source)])
            new_slug = spec.slug if spec else ""
            if not new_slug or not SLUG_RE.match(new_slug):
                raise DraftError(
                    _(
                        "The front matter needs a slug (lowercase letters, digits and '-') "
                        "to name the new module."
                    )
                )
            taken = DraftError(
                _("A module or draft with the slug '%(slug)s' already exists: open it from the module list.")
                % {"slug": new_slug}
            )
            if Module.objects.filter(slug=new_slug).exists():
                raise taken
            try:
                with transaction.atomic():
                    return ModuleDraft.objects.create(slug=new_slug, source=source, author=acting_user)
            except IntegrityError:  # the slug's draft exists, or was just made by somebody else
                raise taken from None
        # Lock the draft row: two trainers saving at once are serialised and the second sees the first.
        draft = ModuleDraft.objects.select_for_update().filter(slug=slug).first()
        if draft_stamp(draft) != stamp:
            if draft is None:
                raise DraftConflict(
                    _(
                        "The draft you opened was published or discarded meanwhile. Your text was not saved: "
                        "copy it, reload the page and apply your changes again."
                    )
                )
            raise DraftConflict(
                _(
                    "%(who)s saved this draft at %(when)s, after you opened it. Your text was not saved: "
                    "copy it, reload the page and merge."
                )
                % {
                    "who": draft.author or _("Somebody"),
                    "when": timezone.localtime(draft.updated_at).strftime("%Y-%m-%d %H:%M"),
                }
            )
        if draft is None:
            module = Module.objects.filter(slug=slug).first()
            base = module.current_version_id if module else None
            return ModuleDraft.objects.create(
                slug=slug, source=source, author=acting_user, base_version_id=base
            )
        if draft.source != source:
            draft.source = source
            draft.author = acting_user
            draft.save(update_fields=["source", "author", "updated_at"])
        return draft


def module_draft_discard(*, acting_user: User, slug: str) -> bool:
    """Throw the draft away; the published version is untouched. False when there was none."""
    _require_trainer(acting_user)
    deleted, _rows = ModuleDraft.objects.filter(slug=slug).delete()
    return bool(deleted)


@dataclass
class PublishResult:
    version: ModuleVersion | None  # None: the published version already has exactly this text
    current: ModuleVersion | None


def module_draft_publish(
    *, acting_user: User, slug: str, stamp: str, replace_newer: bool = False
) -> PublishResult:
    """Publish the reviewed draft as the module's next version (origin "site") and remove the draft.

    Raises DraftConflict when the draft changed after review, or when a newer version was published since
    the draft was started (unless ``replace_newer``), and ContentError when the draft has errors.
    """
    _require_trainer(acting_user)
    with transaction.atomic():
        # The draft row lock serialises a double submit: the second request finds the draft gone.
        draft = ModuleDraft.objects.select_for_update().filter(slug=slug).first()
        if draft is None:
            raise DraftGone(
                _("There is no draft of this module to publish: it was already published or discarded.")
            )
        if draft_stamp(draft) != stamp:
            raise DraftConflict(
                _("The draft changed after you reviewed it: review the changes again before publishing.")
            )
        module = Module.objects.select_related("current_version").filter(slug=slug).first()
        current = module.current_version if module else None
        if current is not None and current.pk != draft.base_version_id and not replace_newer:
            raise DraftConflict(
                _(
                    "Version %(n)s was published after this draft was started: "
                    "compare, merge, then confirm replacing it."
                )
                % {"n": current.number}
            )
        if same_as_published(slug=slug, version=current, text=draft.source):
            draft.delete()
            return PublishResult(version=None, current=current)
        check = draft_check(
            source=draft.source,
            slug=slug,
            others=known_module_specs(),
            requirements=known_certification_requirements(),
        )
        if check.spec is None or check.errors:
            raise ContentError(check.errors)
        position = module.position if module else (Module.objects.aggregate(n=Max("position"))["n"] or 0) + 1
        report = content_import(
            tree=ContentTree(modules=[check.spec]), acting_user=acting_user, protect_site_versions=False
        )
        version = None
        if report.published:
            module = Module.objects.select_related("current_version").get(slug=slug)
            version = module.current_version
            # Part of creating the version, in its transaction: afterwards it is never written again.
            ModuleVersion.objects.filter(pk=version.pk).update(origin=Origin.SITE, source=draft.source)
            version.origin, version.source = Origin.SITE, draft.source
            # content_import numbers positions within its tree; a single module keeps its catalogue place.
            Module.objects.filter(pk=module.pk).update(position=position)
        draft.delete()
        return PublishResult(version=version, current=version or current)
