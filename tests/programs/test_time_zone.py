"""Manager > Program: the program's time zone, used for members who have never signed in."""

import pytest
from django.urls import reverse

from mentorcircle.programs.models import Program
from mentorcircle.programs.services import program_update_settings
from tests.helpers import field_errors, toasts
from tests.programs.test_views import settings_data

SETTINGS = "manage:settings"


def test_a_new_program_is_in_utc_and_the_settings_page_says_so(client, personas):
    client.force_login(personas.manager)

    page = client.get(reverse(SETTINGS, args=["alpha"])).content.decode()

    assert Program.objects.get(pk=personas.program.pk).time_zone == "UTC"
    assert '<label for="id_time_zone">Time zone' in page
    assert '<option value="UTC" selected>UTC</option>' in page
    assert '<option value="America/New_York">America/New York</option>' in page
    assert "Members who have never signed in see times in this zone" in page


def test_the_manager_sets_the_programs_time_zone(client, personas):
    client.force_login(personas.manager)

    response = client.post(
        reverse(SETTINGS, args=["alpha"]), settings_data(time_zone="Asia/Tokyo"), follow=True
    )

    assert toasts(response) == ["Saved!"]
    assert '<option value="Asia/Tokyo" selected>Asia/Tokyo</option>' in response.content.decode()
    personas.program.refresh_from_db()
    assert personas.program.time_zone == "Asia/Tokyo"
    personas.other_program.refresh_from_db()
    assert personas.other_program.time_zone == "UTC"


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "US/Eastern", "asia/tokyo", "Asia/Tokyo\r\nX: y", "A" * 500]
)
def test_an_unknown_time_zone_is_refused_next_to_the_field_and_nothing_changes(client, personas, zone):
    before = Program.objects.filter(pk=personas.program.pk).values().get()
    client.force_login(personas.manager)

    response = client.post(
        reverse(SETTINGS, args=["alpha"]), settings_data(time_zone=zone, join_minutes_before="5")
    )

    assert response.status_code == 200
    assert len(field_errors(response, "time_zone")) == 1
    assert "Select a valid choice" in field_errors(response, "time_zone")[0]
    assert Program.objects.filter(pk=personas.program.pk).values().get() == before


def test_a_post_without_the_field_keeps_the_saved_zone(client, personas):
    Program.objects.filter(pk=personas.program.pk).update(time_zone="Asia/Tokyo")
    client.force_login(personas.manager)

    client.post(reverse(SETTINGS, args=["alpha"]), settings_data(join_minutes_before="5"))

    personas.program.refresh_from_db()
    assert (personas.program.time_zone, personas.program.join_minutes_before) == ("Asia/Tokyo", 5)


@pytest.mark.parametrize(
    ("persona", "refused"), [("mentor", 403), ("mentee", 403), ("outsider", 404), ("other_manager", 404)]
)
def test_only_the_programs_managers_can_change_its_zone(client, personas, persona, refused):
    client.force_login(getattr(personas, persona))

    response = client.post(reverse(SETTINGS, args=["alpha"]), settings_data(time_zone="Asia/Tokyo"))

    assert response.status_code == refused
    personas.program.refresh_from_db()
    assert personas.program.time_zone == "UTC"


def test_a_signed_out_visitor_cannot_change_its_zone(client, personas):
    path = reverse(SETTINGS, args=["alpha"])

    response = client.post(path, settings_data(time_zone="Asia/Tokyo"))

    assert response["Location"] == f"{reverse('account_login')}?next={path}"
    personas.program.refresh_from_db()
    assert personas.program.time_zone == "UTC"


def test_update_settings_saves_the_zone_and_refuses_an_unknown_one(personas):
    values = {
        "allow_group_sessions": True,
        "default_min_participants": 1,
        "default_max_participants": 40,
        "decision_hours_before": 24,
        "join_minutes_before": 10,
    }

    program_update_settings(program=personas.program, time_zone="Africa/Lagos", **values)
    with pytest.raises(ValueError, match="Unknown time zone"):
        program_update_settings(program=personas.program, time_zone="Nowhere/Special", **values)

    assert Program.objects.get(pk=personas.program.pk).time_zone == "Africa/Lagos"
