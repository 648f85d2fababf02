from django import forms

from mentorcircle.notifications.models import Preferences


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Preferences
        fields = ("new_registration_emails", "missed_session_emails")
