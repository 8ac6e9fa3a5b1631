import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit
from allauth.core.internal.ratelimit import get_ip
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib import messages
from django.http import Http404

from accounts.models import Role

logger = logging.getLogger(__name__)


class AppNotConfigured(SocialApp.DoesNotExist, Http404):
    """Still a DoesNotExist for allauth's own handlers, and a 404 wherever nothing catches it."""


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


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-in through 钉钉, 飞书, 企业微信 or OIDC: a provider says who someone is, not what they may do."""

    def save_user(self, request, sociallogin, form=None):
        """A first sign-in makes a recruit, whatever the provider's payload claims (admin, leader, manager):
        roles are granted in the site only (``grant_role``). The invited address counts as verified."""
        user = sociallogin.user
        user.role = Role.RECRUIT
        user.is_staff = False
        user.is_superuser = False
        # As for a password sign-up: who came through a cohort invitation has shown they read that mailbox.
        invited = _invited_email(request)
        for address in sociallogin.email_addresses:
            if invited and address.email.lower() == invited.lower():
                address.verified = True
        return super().save_user(request, sociallogin, form=form)

    def populate_user(self, request, sociallogin, data):
        """The name the company directory holds becomes the display name; nothing else is taken over."""
        user = super().populate_user(request, sociallogin, data)
        user.display_name = (data.get("name") or "").strip()[:80]
        user.first_name = user.last_name = ""
        return user

    def authenticate_by_email(self, sociallogin):
        """Link an existing account only when both sides have verified the address: the provider's address
        is verified (allauth already checks) and so is the account's own (a stranger's unconfirmed sign-up
        with that address gets nothing). Staff (admin) accounts are never linked this way."""
        found = super().authenticate_by_email(sociallogin)
        if found is None:
            return None
        user, email = found
        if not EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
            return None
        # An admin account is never entered through a directory entry someone else may edit; its owner
        # connects a platform from their own signed-in session if they want one.
        if user.is_staff or user.is_superuser:
            return None
        return found

    def get_app(self, request, provider, client_id=None):
        """A provider without its id and secret in the environment is not there: its URLs answer 404."""
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise AppNotConfigured from None

    def generate_state_param(self, state: dict) -> str:
        """Every sign-in through a platform starts here (POST to /accounts/<provider>/login/, a new state), so
        it is counted here against the same per-address "login" limit as a password sign-in; over it, the
        site's 429 page and no redirect to the platform."""
        if not ratelimit.consume(self.request, app="allauth.account", action="login"):
            raise ImmediateHttpResponse(ratelimit.handler429(self.request))
        return super().generate_state_param(state)

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        logger.warning("sign-in through %s failed: %s %s", provider.id, error, exception)
        return super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )
