import pytest
from django.urls import reverse

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import Membership
from tests.factories import MembershipFactory
from tests.helpers import field_errors, page_text, toasts

PERSONAS = ("manager", "mentor", "mentee", "outsider", "other_manager")

# (whose profile, who may see it): members sharing a program, and oneself.
PROFILE_VISIBILITY = {
    "manager": {"manager", "mentor", "mentee"},
    "mentor": {"manager", "mentor", "mentee"},
    "mentee": {"manager", "mentor", "mentee"},
    "outsider": {"outsider"},
    "other_manager": {"other_manager"},
}


@pytest.mark.parametrize("subject", PERSONAS)
@pytest.mark.parametrize("viewer", PERSONAS)
def test_public_profile_is_seen_only_by_people_sharing_a_program_or_oneself(
    client, personas, viewer, subject
):
    person = getattr(personas, subject)
    client.force_login(getattr(personas, viewer))

    response = client.get(reverse("groupsessions:profile", args=[person.pk]))

    if viewer in PROFILE_VISIBILITY[subject]:
        assert response.status_code == 200
        assert f"<h1>{person.full_name}</h1>" in page_text(response)
    else:
        assert response.status_code == 404
        assert person.full_name not in page_text(response)


def test_public_profile_of_nobody_is_not_found(client, personas):
    client.force_login(personas.manager)

    assert client.get(reverse("groupsessions:profile", args=[999_999])).status_code == 404


def test_public_profile_shows_only_the_programs_the_viewer_shares(client, personas):
    # The mentor also mentors in Beta; a mentee of Alpha must not learn about Beta.
    MembershipFactory(program=personas.other_program, user=personas.mentor, role=Membership.Role.MENTOR)
    client.force_login(personas.mentee)

    text = page_text(client.get(reverse("groupsessions:profile", args=[personas.mentor.pk])))

    assert "Mentor · Alpha Mentoring" in text
    assert "Beta Program" not in text


def test_public_profile_shows_headline_and_bio_and_edit_link_only_to_oneself(client, personas):
    User.objects.filter(pk=personas.mentor.pk).update(headline="Staff engineer", bio="Ask me about queues.")
    url = reverse("groupsessions:profile", args=[personas.mentor.pk])

    client.force_login(personas.mentee)
    text = page_text(client.get(url))
    assert "Staff engineer" in text
    assert "Ask me about queues." in text
    assert "Edit profile" not in text

    client.force_login(personas.mentor)
    assert "Edit profile" in page_text(client.get(url))


@pytest.mark.parametrize("path_name", ["groupsessions:profile", "accounts:settings"])
def test_signed_out_visitor_is_sent_to_sign_in_with_next(client, personas, path_name):
    path = (
        reverse(path_name, args=[personas.mentor.pk])
        if path_name == "groupsessions:profile"
        else reverse(path_name)
    )

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={path}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_profile_settings_shows_each_person_their_own_profile(client, personas, persona):
    user = getattr(personas, persona)
    client.force_login(user)

    response = client.get(reverse("accounts:settings"))

    assert response.status_code == 200
    assert f'name="full_name" value="{user.full_name}"' in response.content.decode()
    assert '<option value="Europe/London" selected>' in response.content.decode()


def test_profile_settings_saves_name_headline_bio_and_time_zone(client, personas):
    client.force_login(personas.mentee)

    response = client.post(
        reverse("accounts:settings"),
        {
            "full_name": "  Mina Mentee-Smith ",
            "headline": "Learning product design",
            "bio": "Career changer.",
            "time_zone": "America/New_York",
        },
        follow=True,
    )

    assert toasts(response) == ["Profile saved."]
    personas.mentee.refresh_from_db()
    assert personas.mentee.full_name == "Mina Mentee-Smith"
    assert personas.mentee.headline == "Learning product design"
    assert personas.mentee.bio == "Career changer."
    assert personas.mentee.time_zone == "America/New_York"
    # The page now speaks in the new zone.
    assert "(America/New_York)" in page_text(response)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "US/Eastern", "", "Europe/Paris; DROP TABLE"])
def test_profile_settings_rejects_an_unknown_time_zone_next_to_the_field(client, personas, zone):
    client.force_login(personas.mentee)

    response = client.post(
        reverse("accounts:settings"),
        {"full_name": "Someone Else", "headline": "", "bio": "", "time_zone": zone},
    )

    assert response.status_code == 200
    assert field_errors(response, "time_zone")
    personas.mentee.refresh_from_db()
    assert personas.mentee.time_zone == "Europe/London"
    assert personas.mentee.full_name == "Mina Mentee"


def test_profile_settings_requires_a_name(client, personas):
    client.force_login(personas.mentee)

    response = client.post(
        reverse("accounts:settings"),
        {"full_name": "   ", "headline": "", "bio": "", "time_zone": "Europe/Paris"},
    )

    assert field_errors(response, "full_name") == ["This field is required."]
    personas.mentee.refresh_from_db()
    assert personas.mentee.full_name == "Mina Mentee"
    assert personas.mentee.time_zone == "Europe/London"


def test_profile_settings_cannot_change_the_email_address(client, personas):
    email = personas.mentee.email
    client.force_login(personas.mentee)

    client.post(
        reverse("accounts:settings"),
        {"full_name": "Mina", "headline": "", "bio": "", "time_zone": "UTC", "email": "evil@example.org"},
    )

    personas.mentee.refresh_from_db()
    assert personas.mentee.email == email
    assert personas.mentee.time_zone == "UTC"
