from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import get_ip
from django.conf import settings
from django.contrib import messages

from accounts.models import Role

# The raw token of the cohort invitation a visitor opened before signing up or in (courses.manager_views).
INVITATION_SESSION_KEY = "cohort_invitation_token"


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Sign-up always makes a recruit, whatever the form carried.

        A visitor who came through a cohort invitation and signs up with the invited address has shown they
        read that mailbox: the address is stashed as verified, so no confirmation email is needed.
        """
        user.role = Role.RECRUIT
        user.display_name = form.cleaned_data.get("display_name", "")
        user.username = form.cleaned_data.get("email") or user.email
        invited = _invited_email(request)
        if invited and invited.lower() == (form.cleaned_data.get("email") or "").strip().lower():
            self.stash_verified_email(request, invited)
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails greet and sign with the site's name (without django.contrib.sites allauth would
        use the host). Their links are built from the request: they point at the host serving the site."""
        super().send_mail(template_prefix, email, {"site_name": settings.SITE_NAME, **context})

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """allauth's per-account failed-login limit, counted per (client address, account): five wrong
        passwords from one address lock that address out of that account, not the owner elsewhere.

        The address is the one allauth's per-address limit uses (ALLAUTH_TRUSTED_PROXY_COUNT /
        ALLAUTH_TRUSTED_CLIENT_IP_HEADER, IPv6 by /64), so rotating X-Forwarded-For buys no guesses.
        """
        return f"{get_ip(request)}:{super()._get_login_attempts_cache_key(request, **credentials)}"

    def post_login(self, request, user, **kwargs):
        """After a sign-up or a login, accept the invitation the visitor came with, if any."""
        response = super().post_login(request, user, **kwargs)
        token = request.session.pop(INVITATION_SESSION_KEY, None) if hasattr(request, "session") else None
        if token:
            from courses.manager_services import InvitationError, invitation_accept

            try:
                cohort = invitation_accept(token=token, user=user)
            except InvitationError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _joined_message(cohort))
        return response


def _invited_email(request) -> str | None:
    token = request.session.get(INVITATION_SESSION_KEY) if hasattr(request, "session") else None
    if not token:
        return None
    from courses.manager_selectors import invitation_find, invitation_state

    invitation = invitation_find(token=token)
    if invitation is None or invitation_state(invitation) != "valid":
        return None
    return invitation.email


def _joined_message(cohort) -> str:
    from django.utils.translation import gettext

    return gettext("You joined the cohort “%(cohort)s”. Your course: %(course)s.") % {
        "cohort": cohort.name,
        "course": cohort.course.display_title,
    }
