from typing import Any, cast
from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from mentorcircle.accounts.timezones import timezone_names
from mentorcircle.core.forms import choices_read_once
from mentorcircle.core.ids import IdChoiceField, IdMultipleChoiceField
from mentorcircle.core.validators import single_line
from mentorcircle.programs.models import Cohort, Membership, Program, Tag, VideoService

MAX_CSV_BYTES = 2 * 1024 * 1024


def _server_address(value: str, *, example: str, path_allowed: bool) -> str:
    """A video server's address: https (plain http to this machine only while DEBUG is on, for
    trying a local server; never in production, where it would let the server probe itself)."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    local = settings.DEBUG and parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise forms.ValidationError(f"Enter the server's full https:// address, for example {example}.")
    if (
        parts.query
        or parts.fragment
        or parts.username is not None
        or (parts.path and not path_allowed)
        or any(char.isspace() for char in value)
    ):
        raise forms.ValidationError(f"Enter just the server's address, for example {example}.")
    return value


class ProgramSettingsForm(forms.ModelForm[Program]):
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,  # left out of a post: the saved zone stays
        help_text="Members who have never signed in see times in this zone, on pages and in emails. "
        "Everyone else sees their own.",
    )
    # Plain text fields, checked by _server_address (stricter than a URL field: https only).
    jitsi_url = forms.CharField(
        label="Jitsi Meet server",
        required=False,
        max_length=200,
        widget=forms.URLInput(attrs={"placeholder": "https://meet.example.org"}),
    )
    bbb_url = forms.CharField(
        label="BigBlueButton API address",
        required=False,
        max_length=200,
        help_text="For example https://bbb.example.org/bigbluebutton/api",
        widget=forms.URLInput(attrs={"placeholder": "https://bbb.example.org/bigbluebutton/api"}),
    )

    class Meta:
        model = Program
        fields = (
            "allow_group_sessions",
            "default_min_participants",
            "default_max_participants",
            "decision_hours_before",
            "join_minutes_before",
            "time_zone",
            "video_service",
            "jitsi_url",
            "jitsi_app_id",
            "jitsi_app_secret",
            "bbb_url",
            "bbb_secret",
        )
        widgets = {
            "video_service": forms.RadioSelect,
            "jitsi_app_secret": forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
            "bbb_secret": forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [
            (name, name.replace("_", " ")) for name in timezone_names()
        ]
        self.fields["jitsi_url"].help_text = f"Leave blank for {settings.JITSI_URL}."
        self.fields["jitsi_app_secret"].help_text = "The secret your Jitsi server signs tokens with."
        self.fields["bbb_secret"].help_text = "Your BigBlueButton server's shared secret (bbb-conf --secret)."
        # Secrets are never sent back to the browser: say that one is saved, and how it ends.
        for name in ("jitsi_app_secret", "bbb_secret"):
            saved = getattr(self.instance, name, "")
            if saved:
                self.fields[name].help_text = (
                    f"A secret is saved (ending in …{saved[-4:]}). Leave blank to keep it."
                    if len(saved) >= 8
                    else "A secret is saved. Leave blank to keep it."
                )

    def clean_time_zone(self) -> str:
        return str(self.cleaned_data.get("time_zone") or self.instance.time_zone)

    def clean_jitsi_url(self) -> str:
        return _server_address(
            self.cleaned_data.get("jitsi_url") or "", example="https://meet.example.org", path_allowed=False
        )

    def clean_bbb_url(self) -> str:
        return _server_address(
            self.cleaned_data.get("bbb_url") or "",
            example="https://bbb.example.org/bigbluebutton/api",
            path_allowed=True,
        )

    def _secret(self, name: str) -> str:
        """The secret typed now, or the one already saved when the field was left blank."""
        typed = (self.cleaned_data.get(name) or "").strip()
        if any(ord(char) < 32 for char in typed):
            raise forms.ValidationError("The secret cannot contain line breaks or control characters.")
        return typed or getattr(self.instance, name, "")

    def clean_jitsi_app_secret(self) -> str:
        return self._secret("jitsi_app_secret")

    def clean_bbb_secret(self) -> str:
        return self._secret("bbb_secret")

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        low, high = data.get("default_min_participants"), data.get("default_max_participants")
        if low is not None and high is not None and low > high:
            self.add_error("default_min_participants", "The minimum cannot be more than the maximum.")
        app_id = (data.get("jitsi_app_id") or "").strip()
        if app_id and not data.get("jitsi_app_secret") and "jitsi_app_secret" not in self.errors:
            self.add_error("jitsi_app_secret", "Enter the app secret that goes with the app ID.")
        if data.get("video_service") == VideoService.BBB:
            if not data.get("bbb_url") and "bbb_url" not in self.errors:
                self.add_error("bbb_url", "Enter the BigBlueButton API address to use BigBlueButton.")
            if not data.get("bbb_secret") and "bbb_secret" not in self.errors:
                self.add_error("bbb_secret", "Enter the BigBlueButton shared secret to use BigBlueButton.")
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
    cohort = IdChoiceField(
        label="Cohort", required=False, queryset=Cohort.objects.none(), empty_label="All cohorts"
    )
    tag = IdChoiceField(label="Tag", required=False, queryset=Tag.objects.none(), empty_label="All tags")

    def __init__(self, *args, program: Program, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        choices_read_once(cast(forms.ModelChoiceField[Any], self.fields["cohort"]), program.cohorts.all())
        choices_read_once(cast(forms.ModelChoiceField[Any], self.fields["tag"]), program.tags.all())


class MemberAddForm(forms.Form):
    email = forms.EmailField(label="Email")
    full_name = forms.CharField(label="Full name", max_length=150, validators=[single_line])
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices, initial=Membership.Role.MENTEE)
    cohorts = IdMultipleChoiceField(
        label="Cohorts", required=False, queryset=Cohort.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    tags = IdMultipleChoiceField(
        label="Tags", required=False, queryset=Tag.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, program: Program, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.program = program
        for name, groups in (("cohorts", program.cohorts.all()), ("tags", program.tags.all())):
            if not choices_read_once(cast(forms.ModelChoiceField[Any], self.fields[name]), groups):
                del self.fields[name]

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
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


class MemberEditForm(forms.Form):
    """A member's page: role, cohorts and tags, saved at once."""

    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices)
    cohorts = IdMultipleChoiceField(
        label="Cohorts", required=False, queryset=Cohort.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    tags = IdMultipleChoiceField(
        label="Tags", required=False, queryset=Tag.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, membership: Membership, **kwargs):  # type: ignore[no-untyped-def]
        program = membership.program
        kwargs.setdefault(
            "initial",
            {
                "role": membership.role,
                "cohorts": [cohort.pk for cohort in membership.cohorts.all()],
                "tags": [tag.pk for tag in membership.tags.all()],
            },
        )
        super().__init__(*args, **kwargs)
        # A program without cohorts (or tags) has nothing to choose: the field is left out, and
        # the service leaves that side as it is.
        for name, groups in (("cohorts", program.cohorts.all()), ("tags", program.tags.all())):
            if not choices_read_once(cast(forms.ModelChoiceField[Any], self.fields[name]), groups):
                del self.fields[name]


# Bulk actions take at most this many people at once: a page of the list (50) and some room.
MAX_BULK_MEMBERS = 100


class MemberChoiceField(IdMultipleChoiceField):
    """The ticked rows of Manager > Members: ids of the program's memberships, at most
    MAX_BULK_MEMBERS of them (counted before anything reaches the database)."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(set(value)) > MAX_BULK_MEMBERS:
            raise forms.ValidationError(
                f"Choose at most {MAX_BULK_MEMBERS} members at a time. Nothing was changed.", code="too_many"
            )
        return super().clean(value)


class BulkAction:
    ADD_COHORT = "add_cohort"
    ADD_TAG = "add_tag"
    REMOVE = "remove"


NOT_MEMBERS = "Some of the people ticked are not members of this program (any more). Nothing was changed."


def _member_choice(program: Program) -> MemberChoiceField:
    return MemberChoiceField(
        queryset=program.memberships.select_related("user").order_by("user__full_name", "user__email"),
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": "Tick the members to change first.",
            "invalid_choice": NOT_MEMBERS,
            "invalid_pk_value": NOT_MEMBERS,
            "invalid_list": NOT_MEMBERS,
        },
    )


class MemberBulkForm(forms.Form):
    """Manager > Members: an action for the ticked rows. The form's fields carry the prefix
    "bulk", so they never clash with the filters above the list."""

    mandatory_fields = ()  # a bar of controls, not a form to fill in: no asterisks

    members = IdMultipleChoiceField(queryset=Membership.objects.none())  # replaced per program
    ACTIONS = [
        ("", "Choose an action"),
        (BulkAction.ADD_COHORT, "Add to cohort…"),
        (BulkAction.ADD_TAG, "Add tag…"),
        (BulkAction.REMOVE, "Remove from program…"),
    ]
    action = forms.ChoiceField(
        label="With the selected members",
        choices=ACTIONS,
        error_messages={"required": "Choose what to do with the selected members."},
    )
    cohort = IdChoiceField(
        label="Cohort", required=False, queryset=Cohort.objects.none(), empty_label="Choose a cohort"
    )
    tag = IdChoiceField(label="Tag", required=False, queryset=Tag.objects.none(), empty_label="Choose a tag")

    def __init__(self, *args, program: Program, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("prefix", "bulk")
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["members"] = _member_choice(program)
        # Offer only what the program has: no cohorts, no "Add to cohort…".
        left_out = set()
        for name, groups, offer in (
            ("cohort", program.cohorts.all(), BulkAction.ADD_COHORT),
            ("tag", program.tags.all(), BulkAction.ADD_TAG),
        ):
            if not choices_read_once(cast(forms.ModelChoiceField[Any], self.fields[name]), groups):
                del self.fields[name]
                left_out.add(offer)
        if left_out:
            action = cast(forms.ChoiceField, self.fields["action"])
            action.choices = [choice for choice in self.ACTIONS if choice[0] not in left_out]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        action = data.get("action")
        if action == BulkAction.ADD_COHORT and not data.get("cohort") and "cohort" not in self.errors:
            self.add_error("cohort", "Choose the cohort to add them to.")
        if action == BulkAction.ADD_TAG and not data.get("tag") and "tag" not in self.errors:
            self.add_error("tag", "Choose the tag to add.")
        return data


class MemberRemoveForm(forms.Form):
    """The confirmed list of a bulk removal (hidden fields on the confirmation page)."""

    def __init__(self, *args, program: Program, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("prefix", "bulk")
        super().__init__(*args, **kwargs)
        self.fields["members"] = _member_choice(program)
