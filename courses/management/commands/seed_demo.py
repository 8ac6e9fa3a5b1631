import logging

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from accounts.models import Role, User

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed to the developer on purpose; demo only
DEMO_USERS = [
    ("recruit@demo.local", "新员工小林", Role.RECRUIT, False),
    ("trainer@demo.local", "王老师（培训师）", Role.TRAINER, False),
    ("trainer2@demo.local", "李老师（第二评分人）", Role.TRAINER, False),
    ("manager@demo.local", "陈经理（用人经理）", Role.MANAGER, False),
    ("admin@demo.local", "管理员", Role.RECRUIT, True),
]


class Command(BaseCommand):
    help = "Create one demo account per role and a demo cohort (idempotent), and print the logins."

    def handle(self, *args, **options):
        from allauth.account.models import EmailAddress

        with transaction.atomic():
            for email, name, role, staff in DEMO_USERS:
                user, created = User.objects.get_or_create(
                    email=email, defaults={"username": email, "display_name": name, "role": role}
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.is_staff = user.is_superuser = staff
                    user.save()
                EmailAddress.objects.update_or_create(
                    user=user, email=email, defaults={"verified": True, "primary": True}
                )
        # Seeding sends notification emails and runs every grading task in-process: keep them off the
        # terminal (emails to memory, task logs below WARNING silenced), only for the time of the seeding.
        logging.disable(logging.INFO)
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                self._populate()
        finally:
            logging.disable(logging.NOTSET)
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for email, _name, role, staff in DEMO_USERS:
            self.stdout.write(f"{email:<22} {'admin' if staff else role}")

    def _populate(self) -> None:
        """The demo cohort, graded in-process whatever the broker settings, so the site is full at once."""
        from courses.demo import COHORT_NAME, demo_populate
        from trainingsite.celery import app

        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True
        try:
            cohort = demo_populate(
                recruit=User.objects.get(email="recruit@demo.local"),
                manager=User.objects.get(email="manager@demo.local"),
                trainer=User.objects.get(email="trainer@demo.local"),
                second_trainer=User.objects.get(email="trainer2@demo.local"),
                password=DEMO_PASSWORD,
            )
        finally:
            app.conf.task_always_eager = eager
        if cohort is None:
            self.stdout.write(f"Demo cohort “{COHORT_NAME}” already there (or no junior track imported).")
            return
        from assessments.models import Attempt
        from certificates.models import Certificate

        members = cohort.members.all()
        self.stdout.write(
            f"Demo cohort “{cohort.name}”: {members.count()} recruits on {cohort.course.slug}, "
            f"{Attempt.objects.filter(user__in=members).count()} attempts, "
            f"{Certificate.objects.filter(user__in=members).count()} certificate(s)."
        )
