"""Invitations: a random token whose digest only is stored, emailed on commit, that signs a person up (or in)
straight into a cohort; used, expired, withdrawn or forged links change nothing and say so."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.adapter import INVITATION_SESSION_KEY
from accounts.models import Role, User
from courses import manager_services
from courses.models import Cohort, CohortMembership, Enrolment, Invitation
from tests.integration.test_manager_helpers import PASSWORD, logged_in, make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_ROOT = "https://academy.example.com"


@pytest.fixture
def manager():
    return make_user("manager@example.com", Role.MANAGER, display_name="李经理")


@pytest.fixture
def cohort(tmp_path, manager):
    course = make_course(tmp_path / "content", modules=2)
    cohort = manager_services.cohort_create(
        acting_user=manager,
        name="2026 春季批次",
        course=course,
        start_date=timezone.localdate() - timedelta(days=3),
    )
    return cohort


def invite(manager, cohort, *emails: str) -> list[str]:
    """Send invitations through the page, the commit's callbacks run; returns the tokens from the emails."""
    before = len(mail.outbox)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = logged_in(manager).post(
            reverse("manager_invite", args=[cohort.pk]), {"emails": "\n".join(emails)}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return [token_of(m.body) for m in mail.outbox[before:]]


def token_of(body: str) -> str:
    return re.search(r"https://academy\.example\.com/invite/([\w-]+)/", body).group(1)


def signup(client, email: str):
    return client.post(
        reverse("account_signup"),
        {"email": email, "display_name": "新同事", "password1": PASSWORD, "password2": PASSWORD},
    )


def test_an_invitation_stores_only_the_tokens_digest_and_emails_the_link_on_commit(
    manager, cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        manager_services.invitation_create(
            cohort=cohort, emails=["New.Hire@Example.com"], acting_user=manager
        )
    assert mail.outbox == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == ["New.Hire@Example.com"]
    assert "2026 春季批次" in message.subject
    token = token_of(message.body)
    invitation = Invitation.objects.get()
    assert invitation.email == "new.hire@example.com"
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert len(token) >= 40
    assert timedelta(days=13, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=14)
    assert invitation.invited_by == manager


def test_a_new_person_signs_up_from_the_link_without_a_confirmation_email_and_joins(client, manager, cohort):
    (token,) = invite(manager, cohort, "new.hire@example.com")
    response = client.get(reverse("invitation_open", args=[token]))
    assert response.status_code == 302
    assert response.url == f"{reverse('account_signup')}?email=new.hire%40example.com"
    assert client.session[INVITATION_SESSION_KEY] == token
    form = client.get(response.url).content.decode()
    assert 'value="new.hire@example.com"' in form
    sent = len(mail.outbox)
    response = signup(client, "new.hire@example.com")
    assert response.status_code == 302
    assert response.url == "/"
    assert len(mail.outbox) == sent  # no confirmation email: the invitation proved the address
    user = User.objects.get(email="new.hire@example.com")
    assert user.role == Role.RECRUIT
    assert EmailAddress.objects.get(user=user).verified
    assert CohortMembership.objects.filter(cohort=cohort, user=user).exists()
    enrolment = Enrolment.objects.get(user=user)
    # The cohort started three days ago: the recruit's due dates count from the day they joined, today.
    assert (enrolment.course_id, enrolment.cohort_id, enrolment.start_date) == (
        cohort.course_id,
        cohort.pk,
        timezone.localdate(),
    )
    assert enrolment.next_due_date == timezone.localdate() + timedelta(days=7)
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None
    # The message is written in the language of the sign-up request (Chinese, the site's default).
    home = client.get("/").content.decode()
    assert "你已加入批次“2026 春季批次”" in home
    assert INVITATION_SESSION_KEY not in client.session


def test_signing_up_with_another_address_needs_confirmation_and_does_not_join(client, manager, cohort):
    (token,) = invite(manager, cohort, "invited@example.com")
    client.get(reverse("invitation_open", args=[token]))
    sent = len(mail.outbox)
    response = signup(client, "someone.else@example.com")
    assert "confirm-email" in response.url
    assert len(mail.outbox) == sent + 1  # the usual confirmation email
    user = User.objects.get(email="someone.else@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert not EmailAddress.objects.filter(email="invited@example.com").exists()
    assert not CohortMembership.objects.exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_existing_account_is_sent_to_log_in_and_joins_after_logging_in(client, manager, cohort):
    user = make_user("known@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    (token,) = invite(manager, cohort, "Known@Example.com")
    response = client.get(reverse("invitation_open", args=[token]))
    assert response.url == reverse("account_login")
    response = client.post(reverse("account_login"), {"login": "known@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert CohortMembership.objects.filter(cohort=cohort, user=user).exists()
    assert Enrolment.objects.get(user=user).cohort == cohort


def test_a_signed_in_invitee_joins_at_once(manager, cohort):
    user = make_user("me@example.com")
    (token,) = invite(manager, cohort, "me@example.com")
    client = logged_in(user)
    response = client.get(reverse("invitation_open", args=[token]))
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert CohortMembership.objects.filter(cohort=cohort, user=user).exists()
    # Opening the used link again says so, and changes nothing.
    again = client.get(reverse("invitation_open", args=[token]), HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 302
    assert "already in the cohort" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert CohortMembership.objects.count() == 1


def test_somebody_else_signed_in_is_told_and_nothing_changes(manager, cohort):
    (token,) = invite(manager, cohort, "invited@example.com")
    other = logged_in(make_user("other@example.com"))
    response = other.get(reverse("invitation_open", args=[token]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    body = response.content.decode()
    assert "This invitation was sent to another email address." in body
    assert "invited@example.com" in body
    assert not CohortMembership.objects.exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_used_link_cannot_be_used_again(client, manager, cohort):
    (token,) = invite(manager, cohort, "first@example.com")
    logged_in(make_user("first@example.com")).get(reverse("invitation_open", args=[token]))
    response = client.get(reverse("invitation_open", args=[token]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    assert "This invitation link has already been used." in response.content.decode()
    assert INVITATION_SESSION_KEY not in client.session


def test_expired_revoked_and_forged_links_show_a_clear_page(client, manager, cohort):
    old, withdrawn = invite(manager, cohort, "late@example.com", "withdrawn@example.com")
    Invitation.objects.filter(email="late@example.com").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    invitation = Invitation.objects.get(email="withdrawn@example.com")
    response = logged_in(manager).post(reverse("manager_invitation_revoke", args=[cohort.pk, invitation.pk]))
    assert response.status_code == 302
    cases = [
        (old, 410, "This invitation link has expired."),
        (withdrawn, 410, "This invitation was withdrawn by the cohort's manager."),
        ("forged-" + "x" * 36, 404, "This invitation link is not valid"),
        ("short", 404, "This invitation link is not valid"),
        ("x" * 500, 404, "This invitation link is not valid"),
    ]
    for token, status, message in cases:
        response = client.get(reverse("invitation_open", args=[token]), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == status, token
        assert message in unescape(response.content.decode()), token
    assert INVITATION_SESSION_KEY not in client.session
    assert not CohortMembership.objects.exists()
    # Signing in with a stale token in the session changes nothing either.
    user = make_user("late@example.com")
    with pytest.raises(manager_services.InvitationError) as refused:
        manager_services.invitation_accept(token=old, user=user)
    assert refused.value.reason == "expired"


def test_inviting_the_same_address_again_withdraws_the_older_link(client, manager, cohort):
    (first,) = invite(manager, cohort, "twice@example.com")
    (second,) = invite(manager, cohort, "TWICE@example.com")
    assert Invitation.objects.filter(email="twice@example.com").count() == 2
    assert Invitation.objects.filter(email="twice@example.com", revoked_at__isnull=True).count() == 1
    assert client.get(reverse("invitation_open", args=[first])).status_code == 410
    assert client.get(reverse("invitation_open", args=[second])).status_code == 302


def test_the_same_address_in_another_cohort_keeps_its_invitation(manager, cohort):
    other = manager_services.cohort_create(
        acting_user=manager, name="另一批", course=cohort.course, start_date=cohort.start_date
    )
    invite(manager, cohort, "both@example.com")
    invite(manager, other, "both@example.com")
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 2


def test_members_and_bad_addresses_are_refused_with_a_message(manager, cohort):
    member = make_user("member@example.com")
    manager_services.cohort_join(cohort=cohort, user=member)
    client = logged_in(manager)
    url = reverse("manager_invite", args=[cohort.pk])
    for emails, message in [
        ("member@example.com", "Already in this cohort: member@example.com"),
        ("a\x00b@example.com", "Null characters are not allowed."),
        ("not-an-email, ok@example.com", "Not an email address: not-an-email"),
        ("", "This field is required."),
        ("\n".join(f"p{i}@example.com" for i in range(201)), "201 addresses: at most 200 at a time."),
    ]:
        response = client.post(url, {"emails": emails}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, emails
        assert message in response.content.decode(), emails
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_one_form_invites_many_addresses(manager, cohort):
    tokens = invite(manager, cohort, "a@example.com, b@example.com；c@example.com", "a@example.com")
    assert len(tokens) == 3
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    page = logged_in(manager).get(reverse("manager_people", args=[cohort.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "3 sent, 3 pending." in page.content.decode()


def test_a_manager_adds_another_manager_by_email(manager, cohort):
    colleague = make_user("colleague@example.com", Role.MANAGER)
    make_user("a-recruit@example.com")
    client = logged_in(manager)
    url = reverse("manager_add", args=[cohort.pk])
    for email, message in [
        ("a-recruit@example.com", "is not a hiring manager&#x27;s account"),
        ("nobody@example.com", "is not a hiring manager&#x27;s account"),
        ("manager@example.com", "already manages this cohort"),
    ]:
        response = client.post(url, {"email": email}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, email
        assert message in response.content.decode(), email
    assert list(cohort.managers.all()) == [manager]
    response = client.post(url, {"email": "Colleague@Example.com"})
    assert response.status_code == 302
    assert set(cohort.managers.all()) == {manager, colleague}
    assert logged_in(colleague).get(reverse("manager_cohort", args=[cohort.pk])).status_code == 200


def test_creating_a_cohort_makes_its_creator_a_manager(manager, cohort):
    client = logged_in(manager)
    response = client.post(
        reverse("manager_cohort_create"),
        {
            "name": "秋季批次",
            "course": cohort.course_id,
            "start_date": "2026-09-01",
            "description": "九月入职",
        },
    )
    created = Cohort.objects.get(name="秋季批次")
    assert response.url == reverse("manager_people", args=[created.pk])
    assert list(created.managers.all()) == [manager]
    assert created.created_by == manager
    bad = client.post(
        reverse("manager_cohort_create"), {"name": "", "course": "999", "start_date": "someday"}
    )
    assert bad.status_code == 400
    assert Cohort.objects.count() == 2


def test_trainers_managers_and_staff_are_invited_like_anyone_and_refused_at_the_link(manager, cohort):
    """The form answers every address the same way, so it does not reveal who holds which role."""
    make_user("trainer@example.com", Role.TRAINER)
    make_user("boss@example.com", Role.MANAGER)
    staff = make_user("admin@example.com")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    answers = []
    for email in ("trainer@example.com", "boss@example.com", "admin@example.com", "nobody@example.com"):
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = logged_in(manager).post(
                reverse("manager_invite", args=[cohort.pk]), {"emails": email}, HTTP_ACCEPT_LANGUAGE="en"
            )
        answers.append((response.status_code, response.headers.get("Location")))
    assert len(set(answers)) == 1
    assert answers[0][0] == 302
    assert len(mail.outbox) == 4
    token = token_of(mail.outbox[2].body)
    with pytest.raises(manager_services.InvitationError) as refused:
        manager_services.invitation_accept(token=token, user=staff)
    assert refused.value.reason == "not_recruit"
    assert not CohortMembership.objects.filter(user=staff).exists()


@pytest.mark.django_db(transaction=True)
def test_a_cohort_name_with_a_line_break_is_refused_and_the_subject_is_one_line(manager, cohort):
    client = logged_in(manager)
    response = client.post(
        reverse("manager_cohort_create"),
        {"name": "春季\r\nBcc: x@example.com", "course": cohort.course.pk, "start_date": "2026-03-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Use one line without line breaks" in response.content.decode()
    assert Cohort.objects.count() == 1
    with pytest.raises(manager_services.CohortError):
        manager_services.cohort_create(
            acting_user=manager, name="a\nb", course=cohort.course, start_date=cohort.start_date
        )
    # A name stored before this check still gives a one-line subject, and the count is the truth.
    Cohort.objects.filter(pk=cohort.pk).update(name="旧\r\n批次")
    response = client.post(
        reverse("manager_invite", args=[cohort.pk]), {"emails": "a@example.com"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    (message,) = mail.outbox
    assert message.subject.startswith("You are invited to the cohort “旧 批次”")
    page = client.get(response.headers["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 invitation(s) sent." in page


@pytest.mark.django_db(transaction=True)
def test_failed_invitation_emails_are_counted_and_listed(manager, cohort, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages

    def send_messages(self, messages):
        if any("bad@example.com" in m.to for m in messages):
            raise OSError("SMTP refused")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    client = logged_in(manager)
    response = client.post(
        reverse("manager_invite", args=[cohort.pk]),
        {"emails": "good@example.com\nbad@example.com"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = client.get(response.headers["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 invitation(s) sent." in page
    assert "1 invitation email(s) could not be sent: bad@example.com." in page
    assert [m.to for m in mail.outbox] == [["good@example.com"]]
