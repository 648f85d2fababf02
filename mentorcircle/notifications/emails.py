"""Every email MentorCircle sends is one named function here.

Each renders its subject, text and HTML from templates under templates/emails/<name>/.
"""

from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from mentorcircle.programs.models import Membership


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def send(name: str, to: str, context: dict[str, Any]) -> None:
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{name}/subject.txt", context).strip()
    text = render_to_string(f"emails/{name}/body.txt", context)
    html = render_to_string(f"emails/{name}/body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_member_invitation(*, membership_id: int, invited_by_name: str) -> None:
    """Tell a person they were added to a program; new people get a link to set a password."""
    membership = Membership.objects.select_related("user", "program").filter(pk=membership_id).first()
    if membership is None:
        return
    user = membership.user
    if user.has_usable_password():
        action_url = absolute_url(reverse("account_login"))
        needs_setup = False
    else:
        key = default_token_generator.make_token(user)
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
        )
        action_url = absolute_url(path)
        needs_setup = True
    send(
        "member_invitation",
        user.email,
        {
            "user": user,
            "program": membership.program,
            "role": membership.get_role_display(),
            "invited_by_name": invited_by_name,
            "action_url": action_url,
            "needs_setup": needs_setup,
        },
    )
