from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Role, User

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed to the developer on purpose; demo only
DEMO_USERS = [
    ("recruit@demo.local", "新员工小林", Role.RECRUIT, False),
    ("trainer@demo.local", "培训师王老师", Role.TRAINER, False),
    ("manager@demo.local", "招聘经理陈经理", Role.MANAGER, False),
    ("admin@demo.local", "管理员", Role.RECRUIT, True),
]


class Command(BaseCommand):
    help = "Create one demo account per role (idempotent) and print the logins."

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
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for email, _name, role, staff in DEMO_USERS:
            self.stdout.write(f"  {email:<22} {'admin' if staff else role}")
