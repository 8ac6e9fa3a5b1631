from django import forms
from django.utils.translation import gettext_lazy as _


class SignupExtraForm(forms.Form):
    """What allauth's sign-up form asks beyond email and password: the name colleagues see.

    Django's CharField trims it and refuses a NUL character; the adapter stores it with the new user.
    """

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        help_text=_("How trainers and colleagues see you, e.g. 王小明."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["display_name"]

    def signup(self, request, user) -> None:
        """Nothing left to do: AccountAdapter.save_user already stored the display name."""
