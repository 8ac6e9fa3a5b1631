"""Writes for the 转正答辩: import rubric versions, schedule a defence, submit a score sheet, change a score.

Every service runs in one transaction, locks what races (the panel member's row, then the defence) and
raises ``DefenceError`` with a message for the person, having changed nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certificates.tasks import evaluate_for_user_on_commit
from courses.models import Cohort, CohortMembership
from evaluation.defence_models import (
    COMMENT_MAX,
    LEVEL_MAX,
    LEVEL_MIN,
    PANEL_MAX,
    PANEL_MIN,
    REASON_MAX,
    Defence,
    DefenceRubric,
    DefenceRubricVersion,
    DefenceScore,
    DefenceScoreChange,
    DefenceStatus,
    PanelMember,
)
from evaluation.defence_result import defence_result
from evaluation.defence_rubric import Rubric
from notifications.models import Kind
from notifications.services import NotificationSpec, notification_create, notifications_create


class DefenceError(Exception):
    """Bad input for a defence service: the message says what to fix; nothing was written."""


def rubrics_import(*, rubrics: Sequence[Rubric]) -> list[str]:
    """Publish a new version of every rubric whose source changed; returns "slug vN" for each one."""
    published = []
    with transaction.atomic():
        existing = {
            r.slug: r
            for r in DefenceRubric.objects.select_for_update(of=("self",)).select_related("current_version")
        }
        for spec in rubrics:
            rubric = existing.get(spec.slug) or DefenceRubric.objects.create(slug=spec.slug)
            current = rubric.current_version
            if current is not None and current.source_hash == spec.source_hash:
                continue
            number = (rubric.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            version = DefenceRubricVersion.objects.create(
                rubric=rubric,
                number=number,
                source_hash=spec.source_hash,
                title=spec.title,
                title_en=spec.title_en,
                pass_percent=spec.pass_percent,
                criteria=spec.as_data(),
            )
            rubric.current_version = version
            rubric.save(update_fields=["current_version"])
            published.append(f"{spec.slug} v{number}")
    return published


def _clean_text(value: str, *, limit: int, what: str) -> str:
    if "\x00" in value:
        raise DefenceError(_("The %(what)s contains a NUL character.") % {"what": what})
    value = value.strip()
    if len(value) > limit:
        raise DefenceError(
            _("The %(what)s is longer than %(max)d characters.") % {"what": what, "max": limit}
        )
    return value


def defence_schedule(
    *,
    manager: User,
    cohort: Cohort,
    recruit_id: int,
    panel_ids: Sequence[int],
    rubric_version_id: int,
    scheduled_at: datetime,
) -> Defence:
    """Schedule a defence for a recruit of ``cohort`` (which the caller got scoped to ``manager``) and tell
    the panel. The panel is 2–4 distinct active users, never the recruit; the rubric is a current version."""
    panel = list(dict.fromkeys(int(i) for i in panel_ids))
    if len(panel) != len(panel_ids):
        raise DefenceError(_("Each panel member can be named only once."))
    if not PANEL_MIN <= len(panel) <= PANEL_MAX:
        raise DefenceError(
            _("A panel has %(min)d to %(max)d members.") % {"min": PANEL_MIN, "max": PANEL_MAX}
        )
    if recruit_id in panel:
        raise DefenceError(_("The recruit cannot be on their own panel."))
    if not CohortMembership.objects.filter(cohort=cohort, user_id=recruit_id).exists():
        raise DefenceError(_("That person is not a recruit of this cohort."))
    members = list(User.objects.filter(pk__in=panel, is_active=True).only("id", "username", "first_name"))
    if len(members) != len(panel):
        raise DefenceError(_("Every panel member must be an active user."))
    version = (
        DefenceRubricVersion.objects.filter(
            pk=rubric_version_id, rubric__current_version_id=rubric_version_id
        )
        .only("id")
        .first()
    )
    if version is None:
        raise DefenceError(_("Choose one of the current rubrics."))
    recruit = User.objects.only("id", "username", "first_name", "last_name").get(pk=recruit_id)
    try:
        with transaction.atomic():
            defence = Defence.objects.create(
                cohort=cohort,
                recruit_id=recruit_id,
                rubric_version=version,
                scheduled_at=scheduled_at,
                scheduled_by=manager,
            )
            PanelMember.objects.bulk_create([PanelMember(defence=defence, user_id=uid) for uid in panel])
            url = reverse("evaluation_defence", args=[defence.pk])
            notifications_create(
                items=[
                    NotificationSpec(
                        user_id=uid,
                        kind=Kind.DEFENCE_SCHEDULED,
                        key=f"defence:{defence.pk}",
                        params={"recruit": str(recruit), "when": scheduled_at.isoformat()},
                        url=url,
                    )
                    for uid in panel
                ]
            )
    except IntegrityError:
        raise DefenceError(_("This recruit already has a defence at that date and time.")) from None
    return defence


def _levels_clean(*, criterion_ids: Sequence[str], levels: Mapping[str, object]) -> dict[str, int]:
    if set(levels) != set(criterion_ids):
        raise DefenceError(_("The score sheet does not match the rubric: reload the page and score again."))
    clean = {}
    for crit in criterion_ids:
        try:
            level = int(str(levels[crit]))
        except ValueError:
            level = 0
        if not LEVEL_MIN <= level <= LEVEL_MAX:
            raise DefenceError(_("Every level is a whole number from 1 to 4."))
        clean[crit] = level
    return clean


def _result_store(*, defence: Defence) -> None:
    """Recompute the stored result of a final defence from every submitted sheet (the defence is locked)."""
    version = defence.rubric_version
    sheets: dict[int, dict[str, int]] = {}
    for member_id, criterion, level in DefenceScore.objects.filter(
        member__defence=defence, member__submitted_at__isnull=False
    ).values_list("member_id", "criterion", "level"):
        sheets.setdefault(member_id, {})[criterion] = level
    result = defence_result(
        criterion_ids=version.criterion_ids, sheets=list(sheets.values()), pass_percent=version.pass_percent
    )
    defence.percent = result.percent
    defence.passed = result.passed
    defence.flagged = result.flagged
    defence.result = {
        "criteria": [
            {"id": c.id, "mean": str(c.mean), "percent": str(c.percent), "low": c.low, "high": c.high}
            for c in result.criteria
        ],
        "panel_size": result.panel_size,
    }
    defence.save(update_fields=["status", "percent", "passed", "flagged", "result", "finalized_at"])
    evaluate_for_user_on_commit(user_id=defence.recruit_id)


def defence_score_submit(*, member_id: int, levels: Mapping[str, object], comment: str) -> PanelMember:
    """Save a panel member's sheet once; the last sheet makes the result final and tells the recruit."""
    comment = _clean_text(comment, limit=COMMENT_MAX, what=_("comment"))
    with transaction.atomic():
        member = PanelMember.objects.select_for_update().get(pk=member_id)
        if member.submitted_at is not None:
            raise DefenceError(_("You have already submitted your scores for this defence."))
        defence = (
            Defence.objects.select_for_update(of=("self",))
            .select_related("rubric_version")
            .get(pk=member.defence_id)
        )
        clean = _levels_clean(criterion_ids=defence.rubric_version.criterion_ids, levels=levels)
        DefenceScore.objects.bulk_create(
            [DefenceScore(member=member, criterion=crit, level=level) for crit, level in clean.items()]
        )
        member.comment = comment
        member.submitted_at = timezone.now()
        member.save(update_fields=["comment", "submitted_at"])
        waiting = PanelMember.objects.filter(defence=defence, submitted_at__isnull=True).exists()
        if not waiting:
            defence.status = DefenceStatus.FINAL
            defence.finalized_at = member.submitted_at
            _result_store(defence=defence)
            notification_create(
                user_id=defence.recruit_id,
                kind=Kind.DEFENCE_RESULT,
                key=f"defence:{defence.pk}",
                params={"result": str(defence.percent), "passed": defence.passed},
                url=reverse("evaluation_defence", args=[defence.pk]),
            )
    return member


def defence_score_change(
    *, member_id: int, acting_user: User, criterion: str, level: object, reason: str
) -> DefenceScoreChange:
    """Change one level of a submitted sheet, with a reason, audited; a final result is recomputed."""
    reason = _clean_text(reason, limit=REASON_MAX, what=_("reason"))
    if not reason:
        raise DefenceError(_("A change needs a reason."))
    with transaction.atomic():
        member = PanelMember.objects.select_for_update().get(pk=member_id)
        if member.submitted_at is None:
            raise DefenceError(_("Submit your score sheet first; a change is for a submitted sheet."))
        defence = (
            Defence.objects.select_for_update(of=("self",))
            .select_related("rubric_version")
            .get(pk=member.defence_id)
        )
        if criterion not in defence.rubric_version.criterion_ids:
            raise DefenceError(
                _("The score sheet does not match the rubric: reload the page and score again.")
            )
        new_level = _levels_clean(criterion_ids=[criterion], levels={criterion: level})[criterion]
        score = DefenceScore.objects.select_for_update().get(member=member, criterion=criterion)
        if score.level == new_level:
            raise DefenceError(_("That is already the level you gave: nothing to change."))
        change = DefenceScoreChange.objects.create(
            score=score,
            changed_by=acting_user,
            changed_at=timezone.now(),
            old_level=score.level,
            new_level=new_level,
            reason=reason,
        )
        score.level = new_level
        score.save(update_fields=["level"])
        if defence.status == DefenceStatus.FINAL:
            _result_store(defence=defence)
    return change
