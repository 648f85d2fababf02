"""The Notifications page shows the host's preferences only to people who host; the others keep
whatever was stored for them."""

import pytest
from django.urls import reverse

from mentorcircle.notifications.models import Preferences, preferences_for
from mentorcircle.programs.models import Membership
from tests.groupsessions.conftest import create_session
from tests.helpers import page_text

HOST_PREFERENCE = "Registrations to my sessions"
FOR_EVERYONE = "Email me the recording when I miss a session I registered for"


def preferences_page(client, user) -> str:
    client.force_login(user)
    return page_text(client.get(reverse("notifications:preferences")))


def test_only_people_who_can_host_see_the_host_preferences(client, personas):
    pages = {
        persona: preferences_page(client, getattr(personas, persona))
        for persona in ("manager", "mentor", "mentee", "outsider")
    }

    for persona in ("manager", "mentor"):
        assert HOST_PREFERENCE in pages[persona], persona
        assert 'name="registration_emails"' in pages[persona], persona
    for persona in ("mentee", "outsider"):
        assert HOST_PREFERENCE not in pages[persona], persona
        assert 'name="registration_emails"' not in pages[persona], persona
    assert all(FOR_EVERYONE in text for text in pages.values())


def test_a_mentor_of_a_program_without_group_sessions_does_not_see_them(client, personas):
    personas.program.allow_group_sessions = False
    personas.program.save()

    assert HOST_PREFERENCE not in preferences_page(client, personas.mentor)


def test_a_mentee_who_still_hosts_a_session_keeps_seeing_them(client, personas):
    create_session(personas.program, personas.mentor)
    Membership.objects.filter(user=personas.mentor).update(role=Membership.Role.MENTEE)

    assert HOST_PREFERENCE in preferences_page(client, personas.mentor)  # a former mentor
    assert HOST_PREFERENCE not in preferences_page(client, personas.mentee)


@pytest.mark.parametrize("stored", [Preferences.RegistrationEmails.NONE, Preferences.RegistrationEmails.EACH])
def test_saving_as_a_mentee_keeps_the_hidden_host_preference_as_it_was(client, personas, stored):
    prefs = preferences_for(personas.mentee)
    prefs.registration_emails = stored
    prefs.save()
    client.force_login(personas.mentee)

    # The mentee unticks the one box they see; a crafted field for the hidden one changes nothing.
    client.post(reverse("notifications:preferences"), {"registration_emails": "digest"})

    prefs.refresh_from_db()
    assert prefs.missed_session_emails is False
    assert prefs.registration_emails == stored


def test_a_host_changes_the_host_preference_and_a_mentee_cannot(client, personas):
    for person in (personas.mentor, personas.mentee):
        client.force_login(person)
        client.post(
            reverse("notifications:preferences"),
            {"registration_emails": "none", "missed_session_emails": "on"},
        )

    assert preferences_for(personas.mentor).registration_emails == "none"
    assert preferences_for(personas.mentee).registration_emails == Preferences.RegistrationEmails.DIGEST
