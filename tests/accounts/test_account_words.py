"""The sign-in pages and emails speak as MentorCircle: plain sentence case, the site's name and,
where the person is known, their program; never the library's stock words."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from mentorcircle.accounts.models import User
from tests.factories import MembershipFactory, ProgramFactory, UserFactory
from tests.helpers import page_text, toasts

# Stock words of the sign-in library's own pages and emails.
STOCK = [
    "Hello from",
    "Thank you for using",
    "example.com",
    "Change Password",
    "Set Password",
    "Password Reset",
    "Reset My Password",
    "Sign Up",
    "Sign In",
    "Sign Out",
    "Request Code",
    "Bad Token",
    "Verify Your Email Address",
    "Confirm Email Address",
    "Confirm Access",
    "Account Inactive",
    "Email Addresses",
    "Remember Me",
    "Current Password",
    "New Password",
    "Please contact us",
    "Sign-In Code",
    "Password Reset Email",
    "Unknown Account",
    "[MentorCircle]",
]


def stock_words_in(text: str) -> list[str]:
    return [words for words in STOCK if words in text]


def main_of(response) -> str:
    """The page's own words (the header and footer are the site's)."""
    text = page_text(response)
    found = re.search(r"<main.*?</main>", text, re.S)
    assert found, text[:500]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def title_of(response) -> str:
    return re.search(r"<title>(.*?)</title>", page_text(response), re.S).group(1).strip()


SIGNED_OUT_PAGES = {
    "account_login": "Sign in",
    "account_signup": "Your program manager adds you",
    "account_request_login_code": "Email me a sign-in code",
    "account_reset_password": "Reset your password",
    "account_reset_password_done": "Check your email",
    "account_reset_password_from_key_done": "Your password is saved",
    "account_email_verification_sent": "Confirm your email address",
    "account_inactive": "This account is switched off",
}


@pytest.mark.parametrize(("name", "heading"), SIGNED_OUT_PAGES.items())
@pytest.mark.usefixtures("db")
def test_signed_out_account_pages_use_our_words(client, name, heading):
    response = client.get(reverse(name))

    assert response.status_code == 200
    text = main_of(response)
    assert f"<h1>{heading}</h1>" in page_text(response)
    assert stock_words_in(text + title_of(response)) == []
    assert title_of(response).endswith("· MentorCircle")


@pytest.mark.usefixtures("db")
def test_open_sign_up_uses_our_words(client, settings):
    settings.ALLOW_SIGNUP = True

    response = client.get(reverse("account_signup"))

    assert "<h1>Create your MentorCircle account</h1>" in page_text(response)
    assert stock_words_in(main_of(response)) == []


def test_the_code_page_names_where_the_code_went(client, personas):
    response = client.post(
        reverse("account_request_login_code"), {"email": personas.mentee.email}, follow=True
    )

    text = main_of(response)
    assert "<h1>Enter your sign-in code</h1>" in page_text(response)
    assert f"We emailed a code to {personas.mentee.email}" in text
    assert "Sign-in code" in text
    assert stock_words_in(text) == []
    assert toasts(response) == [f"We emailed a sign-in code to {personas.mentee.email}."]


@pytest.mark.usefixtures("db")
def test_a_used_or_broken_password_link_says_so_plainly(client):
    response = client.get(reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "x-y"}))

    assert "<h1>This link no longer works</h1>" in page_text(response)
    assert stock_words_in(main_of(response)) == []


SIGNED_IN_PAGES = {
    "account_change_password": "Change password",
    "account_logout": "Sign out",
    "account_email": "Email addresses",
    "account_reauthenticate": "Confirm it's you",
}


@pytest.mark.parametrize(("name", "heading"), SIGNED_IN_PAGES.items())
def test_signed_in_account_pages_use_our_words(client, personas, name, heading):
    client.force_login(personas.mentee)

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in page_text(response)
    assert stock_words_in(main_of(response) + title_of(response)) == []


def test_the_password_pages_name_the_only_program_of_the_person(client, personas):
    client.force_login(personas.mentee)

    text = main_of(client.get(reverse("account_change_password")))

    assert f"You sign in to MentorCircle for Alpha Mentoring as {personas.mentee.email} ." in text
    assert "Current password" in text
    assert "New password (again)" in text


def test_a_person_without_a_password_chooses_one_for_their_program(client, personas):
    personas.mentee.set_unusable_password()
    personas.mentee.save()
    client.force_login(personas.mentee)

    response = client.get(reverse("account_set_password"))

    assert "<h1>Choose a password</h1>" in page_text(response)
    assert "sign in to MentorCircle for Alpha Mentoring directly" in main_of(response)
    assert stock_words_in(main_of(response) + title_of(response)) == []


def test_a_member_of_several_programs_sees_the_one_the_page_leads_to_or_none(client, personas):
    MembershipFactory(program=personas.other_program, user=personas.mentee)
    client.force_login(personas.mentee)

    plain = main_of(client.get(reverse("account_change_password")))
    headed = main_of(client.get(reverse("account_change_password") + "?next=/programs/beta/"))

    assert "Alpha Mentoring" not in plain
    assert "Beta Program" not in plain
    assert "for Beta Program" in headed


def test_a_program_in_the_next_address_is_never_named_to_someone_outside_it(client, personas):
    client.force_login(personas.mentee)

    text = main_of(client.get(reverse("account_change_password") + "?next=/programs/beta/"))

    assert "Beta Program" not in text
    assert "for Alpha Mentoring" in text  # their own, only program


def test_signing_in_and_out_is_said_in_our_words(client, personas):
    from tests.factories import PASSWORD

    signed_in = client.post(
        reverse("account_login"), {"login": personas.mentee.email, "password": PASSWORD}, follow=True
    )
    signed_out = client.post(reverse("account_logout"), follow=True)

    assert "Signed in as Mina Mentee." in toasts(signed_in)
    assert "You're signed out." in toasts(signed_out)


@pytest.mark.usefixtures("db")
def test_the_sign_in_form_labels_are_in_sentence_case(client):
    text = page_text(client.get(reverse("account_login")))

    assert "Keep me signed in" in text
    assert "Remember Me" not in text
    assert 'placeholder="Password"' not in text


# ---- Emails -------------------------------------------------------------------------------------


def html_of(message) -> str:
    (content, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return content


def the_only_email():
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    return mail.outbox[0]


def test_the_sign_in_code_email_names_mentorcircle_and_the_program(client, personas):
    client.post(reverse("account_request_login_code"), {"email": personas.mentee.email})

    message = the_only_email()
    assert message.subject == "Your sign-in code for Alpha Mentoring on MentorCircle"
    assert message.body.startswith("Hello Mina Mentee,\n")
    assert "Here is your code to sign in to MentorCircle for Alpha Mentoring:" in message.body
    assert "-- MentorCircle · Alpha Mentoring\nhttp://testserver" in message.body
    assert "Alpha Mentoring" in html_of(message)
    assert stock_words_in(message.subject + message.body + html_of(message)) == []
    assert "testserver!" not in message.body


def test_the_password_reset_email_names_mentorcircle_and_the_program(client, personas):
    client.post(reverse("account_reset_password"), {"email": personas.mentor.email})

    message = the_only_email()
    assert message.subject == "Choose a new password for Alpha Mentoring on MentorCircle"
    assert "reset the password of your MentorCircle account for Alpha Mentoring" in message.body
    assert re.search(r"http://testserver/accounts/password/reset/key/\S+", message.body)
    assert "Choose a new password</a>" in html_of(message)
    assert stock_words_in(message.subject + message.body + html_of(message)) == []


def test_account_emails_name_no_program_for_a_member_of_several(client, personas):
    MembershipFactory(program=personas.other_program, user=personas.mentee)

    client.post(reverse("account_request_login_code"), {"email": personas.mentee.email})

    message = the_only_email()
    assert message.subject == "Your sign-in code for MentorCircle"
    assert "Alpha Mentoring" not in message.body
    assert "Beta Program" not in message.body
    assert "-- MentorCircle\n" in message.body


@pytest.mark.usefixtures("db")
def test_the_email_to_an_address_without_an_account_uses_our_words(client):
    client.post(reverse("account_request_login_code"), {"email": "nobody@example.org"})

    message = the_only_email()
    assert message.subject == "Signing in to MentorCircle"
    assert message.body.startswith("Hello,\n")
    assert "there is no account for this address" in message.body
    assert stock_words_in(message.subject + message.body + html_of(message)) == []


def test_the_confirmation_email_of_an_added_address_uses_our_words(client, personas):
    client.force_login(personas.mentee)

    client.post(reverse("account_email"), {"action_add": "", "email": "mina.second@example.org"})

    message = the_only_email()
    assert message.to == ["mina.second@example.org"]
    assert message.subject == "Confirm your email address for MentorCircle"
    assert "Please confirm that mina.second@example.org is your address for MentorCircle" in message.body
    assert "http://testserver/accounts/confirm-email/" in message.body
    assert stock_words_in(message.subject + message.body + html_of(message)) == []


ODD_NAMES = {
    "line breaks": "Mina\r\nBcc: evil@example.org",
    "200 characters": "M" * 200,
    "right to left": "مينا \u200fالمتدربة",
}


@pytest.mark.parametrize("name", ODD_NAMES.values(), ids=ODD_NAMES.keys())
@pytest.mark.usefixtures("db")
def test_account_emails_keep_odd_names_and_program_names_out_of_the_headers(client, name):
    program = ProgramFactory(name=name[:150], slug="odd")
    person = UserFactory(email="odd@example.org")
    User.objects.filter(pk=person.pk).update(full_name=name[:150])  # as an import could have left it
    MembershipFactory(program=program, user=person)

    client.post(reverse("account_request_login_code"), {"email": person.email})

    message = the_only_email()
    assert "\n" not in message.subject
    assert "\r" not in message.subject
    assert message.subject.startswith("Your sign-in code for ")
    assert message.subject.endswith(" on MentorCircle")
    assert message.to == ["odd@example.org"]
    assert not message.cc
    assert not message.bcc
    assert message.body.startswith(f"Hello {name[:150]},")
    message.message()  # the whole message can be built: no header carries a line break


def test_a_new_member_chooses_a_first_password_for_their_program(client, personas):
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    newcomer = UserFactory(full_name="Nia Newbie", email="nia@example.org")
    newcomer.set_unusable_password()
    newcomer.save()
    MembershipFactory(program=personas.program, user=newcomer)
    key = default_token_generator.make_token(newcomer)

    response = client.get(
        reverse(
            "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(newcomer), "key": key}
        ),
        follow=True,
    )

    text = main_of(response)
    assert "<h1>Choose your password</h1>" in page_text(response)
    assert "You'll use it to sign in to MentorCircle for Alpha Mentoring with nia@example.org." in text
    assert "New password" not in text  # a first password, not a new one
    assert stock_words_in(text + title_of(response)) == []
