from typing import Any, cast

from django import forms
from django.urls import reverse
from typing_extensions import override

from mentorcircle.accounts.models import User
from mentorcircle.conversations.models import MAX_BODY, MAX_REASON, Message
from mentorcircle.conversations.services import (
    MAX_GROUP,
    MAX_SHARE_PICKS,
    MessageError,
    check_body,
    clean_body,
)
from mentorcircle.core.ids import IdChoiceField, IdMultipleChoiceField
from mentorcircle.groupsessions.forms import AudienceFields, MemberPicker, audience_fields
from mentorcircle.programs.models import Program


class PeoplePicker(MemberPicker):
    """The invite form's type-ahead, asking the messages' suggestions (any member may look up
    the members of their programs by name)."""

    search_id = "people-search"

    @override
    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["suggest_url"] = reverse("conversations:suggest")
        return context


class BodyField(forms.CharField):
    """A message: plain text, cleaned as it is stored, up to 5,000 characters (the services'
    rules and words)."""

    def __init__(self, *, kind: str = Message.Kind.MESSAGE, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("label", "Message")
        # No maxlength: browsers cut pasted text to it without a word. A script counts the
        # characters near the limit instead, and the server refuses a longer message with the
        # text kept, with or without the script.
        kwargs.setdefault(
            "widget", forms.Textarea(attrs={"rows": 3, "data-max-chars": MAX_BODY, "data-body": ""})
        )
        super().__init__(strip=False, required=False, **kwargs)

    @override
    def clean(self, value: Any) -> str:
        # Counted as stored (a line break is one character), as the page's counter counts;
        # anything longer is refused with the text kept, never cut.
        text = clean_body(str(value or ""))
        try:
            check_body(text, kind=self.kind)
        except MessageError as error:
            raise forms.ValidationError(error.message) from None
        return text


class ServiceErrors(forms.Form):
    def add_service_error(self, error: MessageError) -> None:
        """A rule the services refused, next to the field it names (or above the form)."""
        self.add_error(error.field if error.field in self.fields else None, error.message)


class NewMessageForm(ServiceErrors):
    program = IdChoiceField(label="Program", queryset=Program.objects.none(), empty_label=None)
    people = IdMultipleChoiceField(
        label="To",
        queryset=User.objects.none(),
        required=False,
        widget=PeoplePicker,
        help_text=f"Start typing a member's name. One person, or a group of up to {MAX_GROUP - 1}.",
    )
    body = BodyField()

    def __init__(self, *args: Any, programs: list[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField[Any], self.fields["program"])
        field.queryset = Program.objects.filter(pk__in=[p.pk for p in programs]).order_by("name")
        if len(programs) == 1:
            field.widget = forms.HiddenInput()
            field.initial = programs[0].pk
        cast(forms.ModelMultipleChoiceField[Any], self.fields["people"]).queryset = User.objects.filter(
            memberships__program__in=programs
        ).distinct()

    def clean_people(self) -> list[User]:
        people = list(self.cleaned_data.get("people") or ())
        if not people:
            raise forms.ValidationError("Pick at least one person to write to.")
        return people


class ReplyForm(ServiceErrors):
    body = BodyField()
    announce = forms.BooleanField(
        label="Post as an announcement",
        required=False,
        help_text="Marked as an announcement for everyone in the session.",
    )

    def __init__(self, *args: Any, can_announce: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_announce:
            del self.fields["announce"]

    @property
    def kind(self) -> str:
        if self.cleaned_data.get("announce"):
            return Message.Kind.ANNOUNCEMENT
        return Message.Kind.MESSAGE


class ReportForm(ServiceErrors):
    reason = forms.CharField(
        label="What is wrong with it? (optional)",
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Only the program's managers see your report. Up to {MAX_REASON} characters.",
    )


class ShareForm(ServiceErrors, AudienceFields):
    """Who gets a session's card (members by name; for managers, cohorts, tags or everyone) and
    a note to go with it."""

    audience_names = ("people", "cohorts", "tags", "everyone")
    people, cohorts, tags, everyone = audience_fields(
        verb="Share with",
        people_label="Share with",
        people_help="Start typing a member's name. Each person gets a message with the session's card. "
        "Sharing does not invite anyone: they decide whether to join.",
        picker=PeoplePicker,
    )
    body = BodyField(kind=Message.Kind.SHARE, label="Add a note (optional)")

    def __init__(self, *args: Any, program: Program, manages: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.manages = self.set_up_audience([program], groups=manages, drop_empty_groups=True)
        self.fields["body"].help_text = f"Shown above the card. Up to {MAX_BODY:,} characters."
        if not manages:
            self.fields["people"].help_text = (
                f"Start typing a member's name; up to {MAX_SHARE_PICKS} people. "
                + str(self.fields["people"].help_text).removeprefix("Start typing a member's name. ")
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.audience_empty() and "people" not in self.errors:
            self.add_error("people", "Pick at least one member to share with.")
        return data
