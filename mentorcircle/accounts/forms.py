from typing import cast

from django import forms

from mentorcircle.accounts.models import User
from mentorcircle.accounts.timezones import timezone_names


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Every time in MentorCircle is shown in this zone.",
    )

    class Meta:
        model = User
        fields = ("full_name", "headline", "bio", "time_zone")
        labels = {"full_name": "Full name", "headline": "Headline", "bio": "Bio"}
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [
            (name, name.replace("_", " ")) for name in timezone_names()
        ]
