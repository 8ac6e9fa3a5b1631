from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User
from accounts.services import user_role_set


class Command(BaseCommand):
    help = "Grant a role (recruit, trainer, manager) to the user with the given email."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role", choices=Role.values)

    def handle(self, *args, email: str, role: str, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"no user with email {email}")
        user_role_set(user=user, role=role)
        self.stdout.write(f"{user.email} is now {role}")
