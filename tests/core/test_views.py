import pytest
from django.urls import reverse

from tests.helpers import page_text

PERSONAS = ("manager", "mentor", "mentee", "outsider", "other_manager")


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_signed_in_gets_their_own_personal_sessions_page(client, personas, persona):
    user = getattr(personas, persona)
    client.force_login(user)

    response = client.get(reverse("personal:sessions"))

    assert response.status_code == 200
    text = page_text(response)
    assert "<h1>Sessions</h1>" in text
    assert user.full_name in text
    assert 'href="?tab=future" aria-current="page"' in response.content.decode()


def test_personal_sessions_past_tab_is_selected_from_the_query_string(client, personas):
    client.force_login(personas.mentee)

    response = client.get(reverse("personal:sessions"), {"tab": "past"})

    assert 'href="?tab=past" aria-current="page"' in response.content.decode()


def test_personal_sessions_ignores_an_unknown_tab(client, personas):
    client.force_login(personas.mentee)

    response = client.get(reverse("personal:sessions"), {"tab": "<script>"})

    assert 'href="?tab=future" aria-current="page"' in response.content.decode()


@pytest.mark.usefixtures("db")
def test_signed_out_visitor_is_sent_to_sign_in_and_back_to_personal_sessions(client):
    path = reverse("personal:sessions")

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={path}"


@pytest.mark.usefixtures("db")
def test_home_sends_signed_out_visitors_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")


def test_home_sends_signed_in_people_to_their_sessions(client, personas):
    client.force_login(personas.mentor)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("personal:sessions")
