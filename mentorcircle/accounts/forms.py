from typing import Any, ClassVar, cast

from allauth.account.forms import (
    AddEmailForm,
    ChangePasswordForm,
    ConfirmLoginCodeForm,
    LoginForm,
    RequestLoginCodeForm,
    ResetPasswordForm,
    ResetPasswordKeyForm,
    SetPasswordForm,
    SignupForm,
)
from django import forms

from mentorcircle.accounts.models import User
from mentorcircle.accounts.timezones import timezone_names


class ProfileForm(forms.ModelForm[User]):
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Every time in MentorCircle is shown in this zone.",
    )

    class Meta:
        model = User
        fields = ("full_name", "headline", "bio", "time_zone")
        labels = {"full_name": "Full name", "headline": "Headline", "bio": "Bio"}
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [
            (name, name.replace("_", " ")) for name in timezone_names()
        ]


class SentenceCaseLabels:
    """allauth's forms in MentorCircle's words: labels in sentence case, and no placeholder
    repeating the label above the box."""

    relabel: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, forms.Field] = self.fields  # type: ignore[attr-defined]
        for name, label in self.relabel.items():
            if name in fields:
                fields[name].label = label
        for field in fields.values():
            field.widget.attrs.pop("placeholder", None)


class SignInForm(SentenceCaseLabels, LoginForm):
    relabel: ClassVar[dict[str, str]] = {"remember": "Keep me signed in"}


class PasswordChangeForm(SentenceCaseLabels, ChangePasswordForm):
    relabel: ClassVar[dict[str, str]] = {
        "oldpassword": "Current password",
        "password1": "New password",
        "password2": "New password (again)",
    }


class PasswordChooseForm(SentenceCaseLabels, ResetPasswordKeyForm):
    relabel: ClassVar[dict[str, str]] = {"password1": "New password", "password2": "New password (again)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.user is not None and not self.user.has_usable_password():  # a first password
            self.fields["password1"].label, self.fields["password2"].label = "Password", "Password (again)"


class PasswordSetForm(SentenceCaseLabels, SetPasswordForm):
    pass


class PasswordResetForm(SentenceCaseLabels, ResetPasswordForm):
    pass


class SignInCodeRequestForm(SentenceCaseLabels, RequestLoginCodeForm):
    pass


class SignInCodeForm(SentenceCaseLabels, ConfirmLoginCodeForm):
    relabel: ClassVar[dict[str, str]] = {"code": "Sign-in code"}


class SignUpForm(SentenceCaseLabels, SignupForm):
    pass


class AddressAddForm(SentenceCaseLabels, AddEmailForm):
    relabel: ClassVar[dict[str, str]] = {"email": "Email address"}
