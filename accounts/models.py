from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RECRUIT = "recruit", _("Recruit")
    TRAINER = "trainer", _("Trainer")
    MANAGER = "manager", _("Hiring manager")


class EmailUserManager(UserManager):
    """Users sign in by email; the username is kept only because Django's admin expects one."""

    def _create_user(self, username, email, password, **extra_fields):
        username = username or email
        return super()._create_user(username, email, password, **extra_fields)

    def create_user(self, username=None, email=None, password=None, **extra_fields):
        return super().create_user(username or email, email, password, **extra_fields)

    def create_superuser(self, username=None, email=None, password=None, **extra_fields):
        return super().create_superuser(username or email, email, password, **extra_fields)


class User(AbstractUser):
    """A person using the site. Sign-up makes a recruit; an admin grants trainer or manager."""

    email = models.EmailField(_("email address"), unique=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.RECRUIT)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    # The interface language last chosen; emails and notifications are written in it.
    language = models.CharField(_("language"), max_length=8, default="zh-hans", blank=True)
    # Denormalised for the header bell: raised by notification_create, recomputed by notifications_mark_read.
    unread_notifications = models.PositiveIntegerField(_("unread notifications"), default=0, editable=False)

    objects = EmailUserManager()

    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    def __str__(self) -> str:
        return self.display_name or self.email

    def save(self, *args, **kwargs):
        if not self.username:
            self.username = self.email
        super().save(*args, **kwargs)


class RoleChange(models.Model):
    """Audit row: who granted which role to whom, and when."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_changes", verbose_name=_("user")
    )
    old_role = models.CharField(_("old role"), max_length=16, choices=Role.choices)
    new_role = models.CharField(_("new role"), max_length=16, choices=Role.choices)
    acting_user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="role_changes_made",
        verbose_name=_("acting user"),
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")

    def __str__(self) -> str:
        return f"{self.user}: {self.old_role} → {self.new_role}"
