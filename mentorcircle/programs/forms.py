from typing import cast

from django import forms

from mentorcircle.programs.models import Cohort, Membership, Program, Tag

MAX_CSV_BYTES = 2 * 1024 * 1024


class ProgramSettingsForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = (
            "allow_group_sessions",
            "default_min_participants",
            "default_max_participants",
            "decision_hours_before",
            "join_minutes_before",
        )

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        low, high = data.get("default_min_participants"), data.get("default_max_participants")
        if low is not None and high is not None and low > high:
            self.add_error("default_min_participants", "The minimum cannot be more than the maximum.")
        return data


class MemberFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or email"}),
    )
    role = forms.ChoiceField(
        label="Role", required=False, choices=[("", "All roles"), *Membership.Role.choices]
    )
    cohort = forms.ModelChoiceField(
        label="Cohort", required=False, queryset=Cohort.objects.none(), empty_label="All cohorts"
    )
    tag = forms.ModelChoiceField(
        label="Tag", required=False, queryset=Tag.objects.none(), empty_label="All tags"
    )

    def __init__(self, *args, program: Program, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["cohort"]).queryset = program.cohorts.all()
        cast(forms.ModelChoiceField, self.fields["tag"]).queryset = program.tags.all()


class MemberAddForm(forms.Form):
    email = forms.EmailField(label="Email")
    full_name = forms.CharField(label="Full name", max_length=150)
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices, initial=Membership.Role.MENTEE)
    cohorts = forms.ModelMultipleChoiceField(
        label="Cohorts", required=False, queryset=Cohort.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    tags = forms.ModelMultipleChoiceField(
        label="Tags", required=False, queryset=Tag.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, program: Program, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.program = program
        cast(forms.ModelChoiceField, self.fields["cohorts"]).queryset = program.cohorts.all()
        cast(forms.ModelChoiceField, self.fields["tags"]).queryset = program.tags.all()
        if not program.cohorts.exists():
            del self.fields["cohorts"]
        if not program.tags.exists():
            del self.fields["tags"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.filter(program=self.program, user__email__iexact=email).exists():
            raise forms.ValidationError("This person is already a member of this program.")
        return email


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: email, name, role (manager, mentor or mentee), cohort, tags (separated by ;).",
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB; split it up.")
        return upload
