"""Security headers, pages without inline code, and sign-in throttling (admin and allauth)."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.urls import reverse

from mentorcircle.core.signin import client_ip
from tests.factories import PASSWORD, UserFactory
from tests.groupsessions.conftest import create_session

TEMPLATES = Path(__file__).resolve().parents[2] / "mentorcircle" / "templates"
ADMIN_LOGIN = "/admin/login/?next=/admin/"
ALLAUTH_LOGIN = "/accounts/login/"


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


class InlineCode(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        values = dict(attrs)
        if "style" in names:
            self.found.append(f"<{tag} style=…>")
        self.found += [f"<{tag} {name}=…>" for name in names if name.startswith("on")]
        if any((values.get(a) or "").strip().lower().startswith("javascript:") for a in ("href", "action")):
            self.found.append(f"<{tag}> with a javascript: address")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script" and (values.get("type") or "text/javascript") != "application/json":
            self._in = "script"

    def handle_endtag(self, _tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script" and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:40]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


# -- Headers -------------------------------------------------------------------------------


@pytest.fixture
def session(personas):
    return create_session(personas.program, personas.mentor)


@pytest.fixture
def header_pages(personas, session) -> list[tuple[Client, str]]:
    anonymous = Client()
    mentee = Client()
    mentee.force_login(personas.mentee)
    host_seat = session.participants.get(user=personas.mentor)
    return [
        (anonymous, reverse("account_login")),
        (mentee, session.get_absolute_url()),
        (anonymous, host_seat.join_path()),
    ]


def test_pages_send_the_security_headers(header_pages):
    for client, path in header_pages:
        response = client.get(path)
        assert response.status_code == 200, path

        csp = csp_directives(response)
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["img-src"] == ["'self'", "data:"]
        assert csp["form-action"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["base-uri"] == ["'none'"]
        assert csp["object-src"] == ["'none'"]
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        permissions = response.headers["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in permissions, (path, feature)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


# -- No inline code ------------------------------------------------------------------------


def test_no_page_template_holds_inline_code():
    offenders = {}
    for template in TEMPLATES.rglob("*.html"):
        parts = template.relative_to(TEMPLATES).parts
        if parts[0] == "emails" or parts[:2] == ("account", "email"):  # mail, never served as a page
            continue
        found = inline_code(template.read_text())
        if found:
            offenders[str(template.relative_to(TEMPLATES))] = found
    assert offenders == {}


def test_the_main_pages_render_without_inline_code(personas, session):
    program = personas.program.slug
    as_anyone = [
        reverse("account_login"),
        reverse("account_request_login_code"),
        reverse("account_reset_password"),
        session.participants.get(user=personas.mentor).join_path(),
    ]
    as_mentee = [
        reverse("home"),
        reverse("personal:sessions"),
        session.get_absolute_url(),
        reverse("groupsessions:program", args=[program]),
        reverse("groupsessions:profile", args=[personas.mentor.pk]),
        reverse("accounts:settings"),
        reverse("notifications:preferences"),
    ]
    as_mentor = [
        reverse("personal:session_create"),
        session.get_absolute_url(),
        reverse("groupsessions:edit", args=[session.pk]),
        reverse("groupsessions:cancel", args=[session.pk]),
    ]
    mentee_membership = personas.mentee.memberships.get().pk
    as_manager = [
        reverse("manage:members", args=[program]),
        reverse("manage:member_add", args=[program]),
        reverse("manage:members_import", args=[program]),
        reverse("manage:settings", args=[program]),
        reverse("manage:sessions", args=[program]),
        reverse("manage:session_create", args=[program]),
        session.get_absolute_url(),
        reverse("manage:member", args=[program, mentee_membership]),
        reverse("manage:member_remove", args=[program, mentee_membership]),
    ]
    rendered = 0
    for user, paths in [
        (None, as_anyone),
        (personas.mentee, as_mentee),
        (personas.mentor, as_mentor),
        (personas.manager, as_manager),
    ]:
        client = Client()
        if user:
            client.force_login(user)
        for path in paths:
            response = client.get(path, follow=True)
            assert response.status_code == 200, path
            assert "<html" in response.content.decode(), path
            assert inline_code(response.content.decode()) == [], path
            rendered += 1
    assert rendered == 24


def test_the_checker_finds_inline_code():
    html = (
        '<noscript><style>.x{}</style></noscript><p style="color:red" onclick="go()">'
        '<script>alert(1)</script><script src="/static/js/app.js"></script>'
        '<script type="application/json">{"a": 1}</script><a href="javascript:go()">x</a>'
    )

    assert inline_code(html) == [
        "<style> element",
        "<p style=…>",
        "<p onclick=…>",
        "inline <script>: alert(1)",
        "<a> with a javascript: address",
    ]


# -- The client's address ------------------------------------------------------------------


def test_the_client_address_ignores_x_forwarded_for_unless_a_proxy_is_trusted(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")

    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.9"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer addresses than proxies: the header proves nothing
    assert client_ip(request) == "10.0.0.9"


def test_a_garbled_forwarded_address_falls_back_to_the_connection(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="not-an-ip")) == "10.0.0.9"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="::1")) == "::1"


# -- Admin sign-in (django-axes) -----------------------------------------------------------


@pytest.fixture
def operators(db):  # noqa: ARG001 (requested for its effect: database access)
    return UserFactory(email="ops@example.org", is_staff=True), UserFactory(
        email="ops2@example.org", is_staff=True
    )


def admin_sign_in(client: Client, email: str, password: str, **headers):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password}, **headers)


def test_wrong_admin_passwords_lock_that_username_from_that_address(operators):
    operator, colleague = operators
    client = Client()

    responses = [admin_sign_in(client, operator.email, "wrong") for _ in range(11)]

    assert [r.status_code for r in responses[:9]] == [200] * 9  # the form, with its error
    assert {r.status_code for r in responses[9:]} == {429}
    locked = admin_sign_in(client, operator.email, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this account from your address" in locked.content.decode()
    assert "try again in 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # The lock is for that username: a colleague behind the same address still gets in.
    other = Client()
    assert admin_sign_in(other, colleague.email, PASSWORD).url == "/admin/"
    # ...and for that address: the operator from elsewhere too.
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert admin_sign_in(elsewhere, operator.email, PASSWORD).url == "/admin/"


def test_changing_the_emails_letter_case_does_not_get_round_the_lock(operators):
    operator, _ = operators
    client = Client()
    variants = ["ops@example.org", "OPS@example.org", "Ops@Example.Org", " ops@EXAMPLE.org "]

    statuses = [admin_sign_in(client, variants[n % 4], "wrong").status_code for n in range(12)]

    assert statuses[:9] == [200] * 9
    assert set(statuses[9:]) == {429}
    for variant in variants:
        assert admin_sign_in(client, variant, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_spoofed_forwarded_address_changes_nothing_without_a_trusted_proxy(operators):
    operator, _ = operators
    client = Client()

    for n in range(10):
        admin_sign_in(client, operator.email, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    assert (
        admin_sign_in(client, operator.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(operators, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    operator, _ = operators
    client = Client()

    for _ in range(10):
        admin_sign_in(client, operator.email, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    locked = admin_sign_in(client, operator.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert locked.status_code == 429
    # The proxy's own address (REMOTE_ADDR) is shared by everyone: it must not be what is locked.
    other_client = admin_sign_in(client, operator.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert other_client.url == "/admin/"


def test_a_successful_admin_sign_in_clears_the_count(operators):
    operator, _ = operators
    client = Client()
    for _ in range(9):
        admin_sign_in(client, operator.email, "wrong")

    assert admin_sign_in(client, operator.email, PASSWORD).url == "/admin/"
    client.logout()
    assert admin_sign_in(client, operator.email, "wrong").status_code == 200
    assert admin_sign_in(client, operator.email, PASSWORD).url == "/admin/"


def test_the_test_client_can_still_sign_in_without_a_request(operators):
    operator, _ = operators

    assert Client().login(email=operator.email, password=PASSWORD)


# -- Member sign-in (allauth) --------------------------------------------------------------


def member_sign_in(client: Client, email: str, password: str, **headers):
    return client.post(ALLAUTH_LOGIN, {"login": email, "password": password}, **headers)


def signed_in(response) -> bool:
    return response.status_code == 302 and response.url == reverse("home")


TOO_MANY = "Too many failed login attempts. Try again later."


def test_member_sign_in_keeps_working(personas):
    assert signed_in(member_sign_in(Client(), personas.mentee.email, PASSWORD))


def test_the_admin_lockout_neither_counts_nor_answers_member_sign_ins(operators, settings):
    settings.ACCOUNT_RATE_LIMITS = False  # allauth's own limits would stop the guesses first
    operator, _ = operators
    client = Client()

    responses = [member_sign_in(client, operator.email, "wrong") for _ in range(12)]

    assert {r.status_code for r in responses} == {200}  # allauth's form, with its error
    assert not AccessAttempt.objects.exists()
    assert signed_in(member_sign_in(client, operator.email, PASSWORD))
    assert admin_sign_in(Client(), operator.email, PASSWORD).url == "/admin/"


def test_wrong_member_passwords_are_rate_limited_for_that_account(personas):
    client = Client()
    for _ in range(5):
        assert TOO_MANY not in member_sign_in(client, personas.mentee.email, "wrong").content.decode()

    refused = member_sign_in(client, personas.mentee.email, PASSWORD)

    assert not signed_in(refused)
    assert TOO_MANY in refused.content.decode()
    assert signed_in(member_sign_in(Client(), personas.mentor.email, PASSWORD))


def test_many_wrong_passwords_from_one_address_are_rate_limited(personas):
    client = Client()
    for n in range(10):
        member_sign_in(client, f"guess{n}@example.org", "wrong")

    refused = member_sign_in(client, personas.mentor.email, PASSWORD)

    assert not signed_in(refused)
    assert TOO_MANY in refused.content.decode()


def test_behind_a_trusted_proxy_member_rate_limits_count_the_forwarded_address(personas, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client()
    for n in range(10):
        member_sign_in(client, f"guess{n}@example.org", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7")

    refused = member_sign_in(client, personas.mentor.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7")
    elsewhere = member_sign_in(client, personas.mentor.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.4")

    assert TOO_MANY in refused.content.decode()
    assert signed_in(elsewhere)


def test_rate_limits_are_counted_in_the_database_shared_by_every_worker(personas):
    """Each web process has its own memory: counts kept there would let every worker (and host)
    give an attacker a fresh allowance."""
    member_sign_in(Client(), personas.mentee.email, "wrong")

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM mentorcircle_cache")
        (entries,) = cursor.fetchone()
    assert entries > 0
