"""Signing in (password or emailed code) and the operator's choice to open sign-up."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from mentorcircle.accounts.models import User
from tests.factories import PASSWORD
from tests.helpers import page_text


def test_sign_in_with_email_and_password_lands_on_personal_sessions(client, personas):
    response = client.post(
        reverse("account_login"), {"login": personas.mentor.email.upper(), "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("personal:sessions")
    assert response.context["user"] == personas.mentor
    assert "Theo Mentor" in page_text(response)


def test_sign_in_returns_to_the_page_asked_for(client, personas):
    target = reverse("manage:members", args=[personas.program.slug])

    response = client.post(
        f"{reverse('account_login')}?next={target}",
        {"login": personas.manager.email, "password": PASSWORD, "next": target},
    )

    assert response.status_code == 302
    assert response["Location"] == target


def test_sign_in_with_a_wrong_password_is_refused(client, personas):
    response = client.post(
        reverse("account_login"), {"login": personas.mentor.email, "password": "wrong-one"}
    )

    assert response.status_code == 200
    assert "not correct" in page_text(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("db")
def test_sign_up_is_closed_by_default(client, settings):
    assert settings.ALLOW_SIGNUP is False

    page = client.get(reverse("account_signup"))
    client.post(
        reverse("account_signup"),
        {
            "email": "stranger@example.org",
            "password1": "a-Long-new-passw0rd",
            "password2": "a-Long-new-passw0rd",
        },
    )

    assert "Your program manager adds you" in page_text(page)
    assert not User.objects.filter(email="stranger@example.org").exists()
    assert "Create an account" not in page_text(client.get(reverse("account_login")))


@pytest.mark.usefixtures("db")
def test_sign_up_is_open_when_the_operator_allows_it(client, settings):
    settings.ALLOW_SIGNUP = True

    login_page = client.get(reverse("account_login"))
    response = client.post(
        reverse("account_signup"),
        {
            "email": "newbie@example.org",
            "password1": "a-Long-new-passw0rd",
            "password2": "a-Long-new-passw0rd",
        },
    )

    assert "Create an account" in page_text(login_page)
    assert response.status_code == 302
    assert User.objects.filter(email="newbie@example.org").exists()


def sign_in_code(message) -> str:
    match = re.search(r"sign in to MentorCircle[^:]*:\s+(\S+)\s", message.body)
    assert match, message.body
    return match.group(1)


def test_sign_in_by_emailed_code(client, personas):
    response = client.post(reverse("account_request_login_code"), {"email": personas.mentee.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [personas.mentee.email]
    assert "code" in message.subject.lower()

    response = client.post(response["Location"], {"code": sign_in_code(message)}, follow=True)

    assert response.context["user"] == personas.mentee
    assert response.redirect_chain[-1][0] == reverse("personal:sessions")


def test_sign_in_by_code_with_a_wrong_code_is_refused(client, personas):
    response = client.post(reverse("account_request_login_code"), {"email": personas.mentee.email})

    client.post(response["Location"], {"code": "WRONG1"})

    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("db")
def test_asking_a_code_for_an_unknown_address_signs_nobody_in_and_sends_no_code(client):
    response = client.post(reverse("account_request_login_code"), {"email": "nobody@example.org"})

    # The page does not reveal whether the address has an account.
    assert response.status_code == 302
    client.post(response["Location"], {"code": "ABC123"})
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="nobody@example.org").exists()
    assert len(mail.outbox) == 1
    assert "there is no account for this address" in mail.outbox[0].body


@pytest.mark.usefixtures("db")
def test_unknown_account_email_does_not_offer_a_closed_sign_up(client):
    client.post(reverse("account_request_login_code"), {"email": "nobody@example.org"})

    body = mail.outbox[0].body
    assert "/accounts/signup/" not in body
    assert "Ask them to add this address" in body


@pytest.mark.usefixtures("db")
def test_unknown_account_email_offers_sign_up_when_it_is_open(client, settings):
    settings.ALLOW_SIGNUP = True

    client.post(reverse("account_request_login_code"), {"email": "nobody@example.org"})

    assert "http://testserver/accounts/signup/" in mail.outbox[0].body
