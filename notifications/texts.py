"""A notification's title and body, written from its kind and params in the active language. No ORM.

Params are what the caller stored when the thing happened (titles, a score, a date), so the text can be
rendered again in whichever language the reader uses today. Optional ``<name>_en`` params (``title_en``,
``module_en``, ``course_en``) give the English title of a module or course, used when the interface speaks
English. A missing param renders as an empty string, never as an error.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from courses.models import Level
from notifications.models import Kind


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _pick(params: dict[str, Any], name: str) -> str:
    """The English variant of a title when the interface speaks English and one was stored."""
    if (get_language() or "").startswith("en") and params.get(f"{name}_en"):
        return str(params[f"{name}_en"])
    value = params.get(name)
    return "" if value is None else str(value)


def _date(value: Any) -> str:
    """An ISO date written the way the active language writes dates (2026年12月5日, Dec. 5, 2026)."""
    try:
        return formats.date_format(date.fromisoformat(str(value)), "DATE_FORMAT")
    except ValueError:
        return str(value or "")


def _datetime(value: Any) -> str:
    """An ISO date and time in the site's time zone, written the way the active language writes them."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATETIME_FORMAT")


def _level(value: Any) -> str:
    try:
        return str(Level(value).label)
    except ValueError:
        return str(value or "")


def text_render(kind: str, params: dict[str, Any]) -> tuple[str, str]:
    """(title, body) for one notification kind; unknown kinds fall back to the kind's name."""
    params = params or {}
    p = _Params(
        title=_pick(params, "title"),
        module=_pick(params, "module"),
        course=_pick(params, "course"),
        recruit=str(params.get("recruit") or ""),
        percent=str(params.get("percent") or ""),
        level=_level(params.get("level")),
        due=_date(params.get("due")),
        expires=_date(params.get("expires")),
        item=str(params.get("item") or ""),
        mentor=str(params.get("mentor") or ""),
        comment=str(params.get("comment") or ""),
        when=_datetime(params.get("when")),
        result=str(params.get("result") or ""),
    )
    if kind == Kind.GRADED:
        title = _("Result ready: %(title)s") % p
        if params.get("awaiting_review"):
            body = _(
                "Your answers to %(title)s (%(module)s) are in. The written part waits for a trainer's "
                "review; the result is final after it."
            )
        elif params.get("percent") is None:
            body = _("Your result for %(title)s (%(module)s) is ready.")
        elif params.get("passed"):
            body = _("You scored %(percent)s%% on %(title)s (%(module)s) and passed.")
        else:
            body = _("You scored %(percent)s%% on %(title)s (%(module)s): not passed yet. You can try again.")
        return title, body % p
    if kind == Kind.REVIEW_NEEDED:
        title = _("Written response to review: %(title)s") % p
        body = _(
            "%(recruit)s submitted a written response to %(title)s (%(module)s). "
            "It waits in the review queue."
        )
        return title, body % p
    if kind == Kind.CERTIFICATE_ISSUED:
        title = _("Certificate issued: %(title)s") % p
        body = _(
            "Congratulations: you are certified for %(title)s, level %(level)s. Your certificate, its PDF "
            "and its public verification link are on the certificate page."
        )
        return title, body % p
    if kind == Kind.DUE_SOON:
        title = _("Due soon: %(module)s") % p
        body = _("The module %(module)s of your course %(course)s is due on %(due)s. Pass it by then.")
        return title, body % p
    if kind == Kind.OVERDUE:
        title = _("Overdue: %(module)s") % p
        body = _("The module %(module)s of your course %(course)s was due on %(due)s and is not passed yet.")
        return title, body % p
    if kind == Kind.CERTIFICATE_EXPIRING:
        title = _("Certificate expiring: %(title)s") % p
        body = _(
            "Your certificate %(title)s expires on %(expires)s. After that, passing the track's modules "
            "again renews it."
        )
        return title, body % p
    if kind == Kind.REVIEW_DUE:
        title = _("Today's review is ready")
        body = ngettext(
            "%(due)s card from modules you passed is due for review. A few minutes of recall today keeps "
            "it from fading.",
            "%(due)s cards from modules you passed are due for review. A few minutes of recall today keeps "
            "them from fading.",
            int(params.get("due") or 0),
        )
        return title, body % {"due": params.get("due") or 0}
    if kind == Kind.CHECKLIST_SENT_BACK:
        title = _("Sent back: %(item)s") % p
        body = _("Your mentor %(mentor)s sent the checklist item %(item)s back: %(comment)s")
        return title, body % p
    if kind == Kind.CHECKLIST_OVERDUE:
        title = _("Checklist item overdue: %(item)s") % p
        body = _("The checklist item %(item)s of %(recruit)s was due on %(due)s and is not signed off yet.")
        return title, body % p
    if kind == Kind.DEFENCE_SCHEDULED:
        title = _("Defence panel: %(recruit)s") % p
        body = _(
            "You are on the panel of %(recruit)s's probation defence (转正答辩) on %(when)s. Score it on the "
            "defence's page; you see the others' scores after you submit your own."
        )
        return title, body % p
    if kind == Kind.DEFENCE_RESULT:
        title = _("Your defence result: %(result)s%%") % p
        if params.get("passed"):
            body = _("The panel's result of your probation defence is %(result)s%%: passed.")
        else:
            body = _("The panel's result of your probation defence is %(result)s%%: not passed.")
        return title, body % p
    return str(kind), ""


def notification_text(notification) -> tuple[str, str]:
    """(title, body) of a notification in the current language (wrap in translation.override for another)."""
    return text_render(notification.kind, notification.params)
