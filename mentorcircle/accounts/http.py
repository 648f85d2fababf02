from django.http import HttpRequest

from mentorcircle.accounts.models import User


class AuthedRequest(HttpRequest):
    """The request a login-required view receives: `user` is a real person."""

    user: User
