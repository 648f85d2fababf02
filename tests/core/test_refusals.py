"""The 403 page: a refusal says why and where to go instead; any other says nothing internal."""

from django.core.exceptions import PermissionDenied

from mentorcircle.core.refusals import Refused
from mentorcircle.core.views import permission_denied
from tests.helpers import page_text


def test_a_refusal_shows_its_reason_its_hint_and_its_links(rf, personas):
    request = rf.get("/somewhere/")
    request.user = personas.mentee
    refusal = Refused(
        "Only mentors can do this.", hint="You can do that instead.", links=[("Go there", "/there/")]
    )

    response = permission_denied(request, refusal)

    assert response.status_code == 403
    text = page_text(response)
    assert "<p>Only mentors can do this.</p>" in text
    assert "<p>You can do that instead.</p>" in text
    assert '<a class="btn btn-primary" href="/there/">Go there</a>' in text


def test_any_other_refusal_keeps_its_message_to_itself(rf, personas):
    request = rf.get("/somewhere/")
    request.user = personas.mentee

    response = permission_denied(request, PermissionDenied("internal detail"))

    text = page_text(response)
    assert response.status_code == 403
    assert "internal detail" not in text
    assert "You don't have access to this page." in text
    assert "Go to your sessions</a>" in text


def test_a_refused_manager_page_is_shown_in_the_personal_dashboard(client, personas):
    client.force_login(personas.mentee)

    response = client.get("/manage/alpha/members/")

    assert response.status_code == 403
    assert '<span class="usermenu-mode">Personal</span>' in page_text(response)
