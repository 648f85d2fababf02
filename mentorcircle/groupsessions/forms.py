import json
import uuid
import zoneinfo
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from typing_extensions import override

from mentorcircle.accounts.models import User
from mentorcircle.accounts.timezones import is_valid_timezone
from mentorcircle.core.forms import choices_read_once
from mentorcircle.core.ids import IdChoiceField, IdMultipleChoiceField
from mentorcircle.core.ids import ids as only_ids
from mentorcircle.core.validators import single_line
from mentorcircle.groupsessions.models import GroupSession
from mentorcircle.groupsessions.reports import Period, ReportFilters, period_dates
from mentorcircle.groupsessions.services import Invitees, SessionDetails, SessionError, validate_details
from mentorcircle.programs.models import Cohort, Program, Tag

DATETIME_INPUT = "%Y-%m-%dT%H:%M"
FAR_FUTURE = "Choose a start time within the next 5 years."
# Where each rule's message from the services belongs in this form.
ERROR_FIELDS = {"duration": "duration_hours", "reason": None}


class LocalDateTimeField(forms.DateTimeField):
    """A date and time read in the form's zone, with a plain message for clock-change gaps."""

    def to_python(self, value: Any) -> datetime | None:
        try:
            parsed = super().to_python(value)
        except OverflowError:
            raise forms.ValidationError(FAR_FUTURE, code="out_of_range") from None
        except forms.ValidationError as error:
            if error.code == "ambiguous_timezone":
                raise forms.ValidationError(
                    "The clocks change at that time (daylight saving), so it does not exist or "
                    "happens twice. Choose another time.",
                    code="ambiguous_timezone",
                ) from None
            raise
        # Years this far out cannot even be converted between zones; the services refuse
        # anything past MAX_AHEAD with the same message.
        if parsed is not None and not 1900 < parsed.year < 9000:
            raise forms.ValidationError(FAR_FUTURE, code="out_of_range")
        return parsed


class MemberPicker(forms.Widget):
    """Members picked by name: a chip with a hidden input per person, and a type-ahead box the
    page's script fills with suggestions. The field's label, help and error name the box."""

    template_name = "groupsessions/widgets/member_picker.html"
    search_id = "invite-search"

    @override
    def id_for_label(self, id_: str) -> str:
        return self.search_id

    @override
    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    @override
    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # picking nobody is an answer too

    def format_value(self, value: Any) -> list[str]:
        return [str(getattr(item, "pk", item)) for item in value or ()]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["attrs"]["id"] = self.search_id
        ids = only_ids(widget["value"])
        members = getattr(self, "choices", None)
        widget["picked"] = (
            list(members.queryset.filter(pk__in=ids).order_by("full_name")) if ids and members else []
        )
        widget["suggest_url"] = reverse("groupsessions:member_suggest")
        return context


def audience_fields(
    *, verb: str, people_label: str, people_help: str, picker: type[forms.Widget] = MemberPicker
) -> tuple[IdMultipleChoiceField, IdMultipleChoiceField, IdMultipleChoiceField, forms.BooleanField]:
    """The four fields of who a session goes to, worded with `verb` ("Invite", "Share with"):
    members picked by name (type-ahead) and, for program managers, whole cohorts, tags or the
    program. A form declares them under its own names, listed in its `audience_names`."""
    return (
        IdMultipleChoiceField(
            label=people_label,
            queryset=User.objects.none(),
            required=False,
            widget=picker,
            help_text=people_help,
        ),
        IdMultipleChoiceField(
            label=f"{verb} a whole cohort",
            queryset=Cohort.objects.none(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        ),
        IdMultipleChoiceField(
            label=f"{verb} everyone with a tag",
            queryset=Tag.objects.none(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        ),
        forms.BooleanField(label=f"{verb} everyone in the program", required=False),
    )


class AudienceFields(forms.Form):
    """A form with `audience_fields`, named (people, cohorts, tags, everyone) by `audience_names`."""

    audience_names: tuple[str, str, str, str]

    def set_up_audience(
        self, programs: list[Program], *, groups: bool, drop_empty_groups: bool = False
    ) -> bool:
        """People may be picked among the members of `programs`; with `groups` (for a program
        manager, in one program) also its cohorts, tags or everyone (with `drop_empty_groups`,
        no cohort or tag field when it has none); otherwise those fields are removed. Returns
        whether groups are offered."""
        people, cohorts, tags, everyone = self.audience_names
        cast(forms.ModelMultipleChoiceField[Any], self.fields[people]).queryset = User.objects.filter(
            memberships__program__in=programs
        ).distinct()
        groups = groups and len(programs) == 1
        if not groups:
            for name in (cohorts, tags, everyone):
                del self.fields[name]
            return False
        program = programs[0]
        for name, found in ((cohorts, program.cohorts.all()), (tags, program.tags.all())):
            rows = choices_read_once(cast(forms.ModelMultipleChoiceField[Any], self.fields[name]), found)
            if drop_empty_groups and not rows:
                del self.fields[name]
        return True

    def audience_chosen(self) -> Invitees:
        people, cohorts, tags, everyone = self.audience_names
        data = self.cleaned_data
        return Invitees(
            people=tuple(data.get(people) or ()),
            cohorts=tuple(data.get(cohorts) or ()),
            tags=tuple(data.get(tags) or ()),
            everyone=bool(data.get(everyone)),
        )

    def audience_empty(self) -> bool:
        return not any(self.cleaned_data.get(name) for name in self.audience_names)


class InviteFields(AudienceFields):
    """Who to invite: members picked by name (type-ahead) and, for program managers, whole
    cohorts, tags or the program."""

    audience_names = ("invitees", "invite_cohorts", "invite_tags", "invite_everyone")
    invitees, invite_cohorts, invite_tags, invite_everyone = audience_fields(
        verb="Invite",
        people_label="Invite participants",
        people_help="Start typing a member's name. Inviting does not make the session exclusive: "
        "any member can still view and book it.",
    )

    def set_up_invites(self, programs: list[Program], *, can_invite_groups: bool) -> None:
        self.can_invite_groups = self.set_up_audience(programs, groups=can_invite_groups)

    def invitees_chosen(self) -> Invitees:
        return self.audience_chosen()


class SessionForm(InviteFields):
    """The seeds' form. `variant="mentor"` uses the masterclass wording of the mentor's form."""

    # Marked with an asterisk as the seeds mark them: a blank minimum or maximum takes the
    # program's default, and the Duration legend carries the hours' and minutes' mark.
    mandatory_fields = (
        "program",
        "title",
        "description",
        "starts_at",
        "min_participants",
        "max_participants",
    )

    program = IdChoiceField(label="Program", queryset=Program.objects.none(), empty_label=None)
    title = forms.CharField(label="Title", max_length=200, validators=[single_line])
    description = forms.CharField(
        label="Description",
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 10_000}),
        help_text="Markdown formatting is allowed. Up to 10,000 characters.",
    )
    starts_at = LocalDateTimeField(
        label="Start time",
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    time_zone = forms.CharField(widget=forms.HiddenInput, required=False)
    # A create form's one-time token (see services.session_create): the same form sent twice
    # makes one session. Edit forms have none.
    create_token = forms.CharField(widget=forms.HiddenInput, required=False)
    duration_hours = forms.IntegerField(
        label="Hours",
        error_messages={
            "required": "Enter the hours (0 to 12).",
            "min_value": "Enter the hours (0 to 12).",
            "max_value": "A session lasts at most 12 hours.",
            "invalid": "Enter the hours as a whole number (0 to 12).",
        },
        min_value=0,
        max_value=12,
        initial=1,
        widget=forms.NumberInput(attrs={"min": 0, "max": 12}),
    )
    duration_minutes = forms.IntegerField(
        label="Minutes",
        error_messages={
            "required": "Enter the minutes (0 to 59).",
            "min_value": "Enter the minutes (0 to 59).",
            "max_value": "Enter the minutes (0 to 59); add an hour for 60 or more.",
            "invalid": "Enter the minutes as a whole number (0 to 59).",
        },
        min_value=0,
        max_value=59,
        initial=0,
        widget=forms.NumberInput(attrs={"min": 0, "max": 59, "step": 5}),
    )
    min_participants = forms.IntegerField(
        label="Minimum participants",
        required=False,
        min_value=1,
        error_messages={
            "min_value": "The minimum is at least 1: the host counts as 1.",
            "invalid": "Enter the minimum as a whole number.",
        },
        help_text="Needed for this group session to be held. Leave blank for 1.",
    )
    max_participants = forms.IntegerField(
        label="Maximum participants",
        required=False,
        min_value=2,
        error_messages={"min_value": "The maximum must be at least 2: the host counts as 1."},
        help_text="The host counts as 1 participant. Leave blank for 40.",
    )
    meeting_url = forms.CharField(
        label="Meeting link (optional)",
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text="A Zoom, Google Meet or Teams link (https). Leave blank for a room on the "
        "program's video service. Only people with a seat are ever sent to it.",
    )

    def __init__(
        self,
        *args: Any,
        programs: list[Program],
        variant: str = "manager",
        session: GroupSession | None = None,
        now: datetime | None = None,
        can_invite_groups: bool = False,
        **kwargs: Any,
    ) -> None:
        self.session = session
        self.now = now or timezone.now()
        if session is not None:
            kwargs.setdefault("initial", initial_for(session))
        super().__init__(*args, **kwargs)
        program_field = cast(forms.ModelChoiceField[Any], self.fields["program"])
        program_field.queryset = Program.objects.filter(pk__in=[p.pk for p in programs])
        if len(programs) == 1 or session is not None:
            self.fields["program"].widget = forms.HiddenInput()
            self.fields["program"].initial = programs[0].pk
        default = programs[0]
        self.fields[
            "min_participants"
        ].help_text = (
            f"Needed for this group session to be held. Leave blank for {default.default_min_participants}."
        )
        self.fields[
            "max_participants"
        ].help_text = f"The host counts as 1 participant. Leave blank for {default.default_max_participants}."
        self.set_up_invites(programs, can_invite_groups=can_invite_groups)
        self.fields["time_zone"].initial = timezone.get_current_timezone_name()
        # The page's script puts the browser's zone in the span when it reads the time in it.
        self.fields["starts_at"].help_text = format_html(
            "Choose a date, then a time. In your time zone: <span data-zone-label>{}</span>.",
            self["time_zone"].value(),
        )
        if session is not None and not self.is_bound:
            # Lets the page's script show the current start in the browser's own zone.
            self.fields["starts_at"].widget.attrs["data-utc"] = session.starts_at.isoformat()
        if session is None:
            self.fields["create_token"].initial = uuid.uuid4()
        else:
            del self.fields["create_token"]
            self.fields["starts_at"].widget.attrs["data-current-start"] = session.starts_at.isoformat()
        # Lets the page's script say, next to the start, when a start inside the program's
        # decision window is decided (program id -> its decision hours and default minimum).
        self.fields["starts_at"].widget.attrs["data-decision-rules"] = json.dumps(
            {
                str(p.pk): {"hours": p.decision_hours_before, "min": p.default_min_participants}
                for p in programs
            }
        )
        # The browser would cut a longer title silently; the server says why it is too long.
        self.fields["title"].widget.attrs.pop("maxlength", None)
        if variant == "mentor":
            self.fields["description"].label = "Describe the objective of your masterclass"
            self.fields["invitees"].label = "Guests"
        self.input_zone = self._input_zone()

    def _input_zone(self) -> zoneinfo.ZoneInfo:
        """The zone the browser's date-and-time input was filled in."""
        name = (self.data.get("time_zone") if self.is_bound else "") or ""
        if is_valid_timezone(name):
            return zoneinfo.ZoneInfo(name)
        return timezone.get_current_timezone()

    def full_clean(self) -> None:
        with timezone.override(self.input_zone):
            super().full_clean()

    def clean_create_token(self) -> uuid.UUID | None:
        """The token, or None when missing or not one we made (the form still works, once)."""
        value = self.cleaned_data.get("create_token") or ""
        try:
            return uuid.UUID(value) if len(value) <= 36 else None
        except ValueError:
            return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        program = data.get("program")
        needed = ("title", "description", "starts_at", "duration_hours", "duration_minutes")
        if program is None or any(data.get(name) is None for name in needed):
            return data
        details = SessionDetails(
            title=data["title"],
            description=data["description"],
            starts_at=data["starts_at"],
            duration=timedelta(hours=data["duration_hours"], minutes=data["duration_minutes"]),
            min_participants=data.get("min_participants") or program.default_min_participants,
            max_participants=data.get("max_participants") or program.default_max_participants,
            meeting_url=data.get("meeting_url") or "",
        )
        moved = self.session is None or details.starts_at != self.session.starts_at
        try:
            validate_details(details, now=self.now, check_start=moved)
        except SessionError as error:
            self.add_error(ERROR_FIELDS.get(error.field or "", error.field), error.message)
        self.details = details
        return data

    def add_service_error(self, error: SessionError) -> None:
        self.add_error(ERROR_FIELDS.get(error.field or "", error.field), error.message)


def initial_for(session: GroupSession) -> dict[str, Any]:
    minutes = int(session.duration / timedelta(minutes=1))
    return {
        "program": session.program_id,
        "title": session.title,
        "description": session.description,
        "starts_at": timezone.localtime(session.starts_at).replace(tzinfo=None),
        "duration_hours": minutes // 60,
        "duration_minutes": minutes % 60,
        "min_participants": session.min_participants,
        "max_participants": session.max_participants,
        "meeting_url": session.meeting_url,
    }


class InviteForm(InviteFields):
    """The session page's "Invite people" box."""

    def __init__(self, *args: Any, session: GroupSession, can_invite_groups: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_up_invites([session.program], can_invite_groups=can_invite_groups)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.audience_empty():
            if self.can_invite_groups:
                raise forms.ValidationError("Pick at least one person, cohort or tag to invite.")
            raise forms.ValidationError("Pick at least one person to invite.")
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Participants see this reason.",
    )


class ResourcesForm(forms.Form):
    recording_url = forms.CharField(
        label="Recording link",
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text="An https link to the recording (Zoom, YouTube, a shared drive…).",
    )
    resources_note = forms.CharField(
        label="Notes and resources",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Slides, links, what to read next. Up to 2,000 characters.",
    )

    def add_service_error(self, error: SessionError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Your rating",
        choices=[(n, str(n)) for n in (1, 2, 3, 4, 5)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 = poor, 5 = excellent.",
        error_messages={"required": "Choose a rating from 1 to 5."},
    )
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The host sees comments without your name; program managers see names.",
    )

    def add_service_error(self, error: SessionError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class HostChoiceField(IdChoiceField):
    """Hosts as their program's managers see them named."""

    @override
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name_for(None, manages=True))


# The days a report's range may name (a date input accepts any year up to 9999).
REPORT_EARLIEST, REPORT_LATEST = date(2000, 1, 1), date(2999, 12, 31)
REPORT_DAY_OUT_OF_RANGE = "Choose a day from the year 2000 to 2999."


def report_day_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        validators=[
            MinValueValidator(REPORT_EARLIEST, message=REPORT_DAY_OUT_OF_RANGE),
            MaxValueValidator(REPORT_LATEST, message=REPORT_DAY_OUT_OF_RANGE),
        ],
        widget=forms.DateInput(
            attrs={
                "type": "date",
                "min": REPORT_EARLIEST.isoformat(),
                "max": REPORT_LATEST.isoformat(),
                "data-custom-day": "",
            }
        ),
    )


class ReportFilterForm(forms.Form):
    """The Reports page's filters, read from the URL. A field that does not validate is shown
    with its message, and the page and its downloads show no figures until it is fixed (never
    those of another period or group). The days count only with the Custom period. Without a
    period in the URL, days given make a custom period, and no days the default one."""

    period = forms.ChoiceField(
        label="Period",
        required=False,
        choices=Period.CHOICES,
        help_text="Custom: choose the first and last days.",
        widget=forms.Select(attrs={"data-report-period": ""}),
    )
    start = report_day_field("From")
    end = report_day_field("To")
    cohort = IdChoiceField(
        label="Cohort", required=False, queryset=Cohort.objects.none(), empty_label="All cohorts"
    )
    tag = IdChoiceField(label="Tag", required=False, queryset=Tag.objects.none(), empty_label="All tags")
    host = HostChoiceField(
        label="Host", required=False, queryset=User.objects.none(), empty_label="All hosts"
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, program: Program, **kwargs: Any) -> None:
        if data is not None and not data.get("period"):
            data = data.copy() if isinstance(data, QueryDict) else dict(data)
            data["period"] = Period.CUSTOM if data.get("start") or data.get("end") else Period.DEFAULT
        super().__init__(data, **kwargs)
        self.program = program
        cast(forms.ModelChoiceField[Any], self.fields["cohort"]).queryset = program.cohorts.all()
        cast(forms.ModelChoiceField[Any], self.fields["tag"]).queryset = program.tags.all()
        hosts = (
            User.objects.filter(hosted_sessions__program=program).distinct().order_by("full_name", "email")
        )
        cast(forms.ModelChoiceField[Any], self.fields["host"]).queryset = hosts

    @override
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") != Period.CUSTOM:
            for name in ("start", "end"):  # not used by a preset period: nothing to fix there
                self.errors.pop(name, None)
                data.pop(name, None)
            return data
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "Choose a day on or after the first day.")
        return data

    def filters(self, *, today: date | None = None) -> ReportFilters:
        """The filters to apply, for the page and its CSV downloads alike, once the form is
        valid (a field that does not validate is left out here: check `errors` first). Periods
        end `today`, by default the program's day in its zone."""
        self.is_valid()
        if today is None:
            today = timezone.localdate(timezone=zoneinfo.ZoneInfo(self.program.time_zone))
        data = getattr(self, "cleaned_data", {})  # none when the form is not bound
        period = data.get("period") or Period.DEFAULT
        if period == Period.CUSTOM:  # a day refused is left out: the range is open on that side
            start, end = data.get("start"), data.get("end")
        else:
            start, end = period_dates(period, today=today)
        return ReportFilters(
            program=self.program,
            start=start,
            end=end,
            cohort=data.get("cohort"),
            tag=data.get("tag"),
            host=data.get("host"),
        )
