from typing import Any

from django import forms

from mentorcircle.notifications.models import Preferences

# Emails about sessions one hosts: shown only to people who host (the others keep the stored value).
HOST_ONLY = ("registration_emails",)


class PreferencesForm(forms.ModelForm[Preferences]):
    mandatory_fields = ()  # every choice has a value: nothing to mark as required

    class Meta:
        model = Preferences
        fields = ("registration_emails", "missed_session_emails", "message_emails")
        widgets = {"registration_emails": forms.RadioSelect}
        help_texts = {
            "registration_emails": "Each one: an email for every registration. Hourly digest: the "
            "first registration at once, then at most one email an hour per session, listing who "
            "registered, left or got a seat from the waitlist, and when it filled up.",
            "message_emails": "At most one email per conversation every 15 minutes, only about messages "
            "you have not read. Mute a conversation from its page to hear nothing of it.",
        }

    def __init__(self, *args: Any, hosts: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not hosts:
            for name in HOST_ONLY:
                del self.fields[name]
