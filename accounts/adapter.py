from allauth.account.adapter import DefaultAccountAdapter

from accounts.models import Role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Sign-up always makes a recruit, whatever the form carried."""
        user.role = Role.RECRUIT
        user.username = form.cleaned_data.get("email") or user.email
        return super().save_user(request, user, form, commit=commit)
