"""`{% name_of person program %}`: a person's name as the one reading the page or email may see
it (`User.name_for`): the name part of the email address of someone without a name shows only
to that person and to the program's managers; everyone else reads "A member"."""

from typing import Any

from django import template

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import Program
from mentorcircle.programs.selectors import account_program as account_program_of
from mentorcircle.programs.selectors import manages_any, programs_managed_by, user_by_email

register = template.Library()


def _managed_ids(context: template.Context, viewer: Any) -> set[int]:
    """The programs the reader manages, read once per rendering (pages reuse the header's list)."""
    if not getattr(viewer, "is_authenticated", False):
        return set()
    cache = context.render_context
    if "people_managed_ids" not in cache:
        programs = context.get("nav_managed_programs")
        if programs is None:
            programs = programs_managed_by(user=viewer)
        cache["people_managed_ids"] = {program.pk for program in programs}
    managed: set[int] = cache["people_managed_ids"]
    return managed


@register.simple_tag(takes_context=True)
def name_of(context: template.Context, person: User | None, program: Program | int | None = None) -> str:
    """`program` is the program (or its id) the name is shown in; without it, any program of
    the person counts."""
    if person is None:
        return ""
    viewer = context.get("user")  # the signed-in person on pages, the recipient in emails
    if person.full_name or getattr(viewer, "pk", None) == person.pk:
        return person.name_for(viewer)
    managed = _managed_ids(context, viewer)
    if not managed:
        manages = False
    elif program is None:
        manages = manages_any(user=person, program_ids=managed)
    else:
        manages = (program.pk if isinstance(program, Program) else program) in managed
    return person.name_for(viewer, manages=manages)


@register.simple_tag(takes_context=True)
def account_person(context: template.Context) -> User | None:
    """`{% account_person as person %}`: whom a sign-in page or email is about: the signed-in
    person, the account an email goes to, or None (an address without an account)."""
    user = context.get("user")
    if getattr(user, "is_authenticated", False):
        return user
    email = context.get("email")
    if isinstance(email, str) and email:
        return user_by_email(email=email)
    return None


@register.simple_tag(takes_context=True)
def account_program(context: template.Context, person: User | None = None) -> Program | None:
    """`{% account_program person as program %}`: the program a sign-in page or email may name
    for `person` (by default `account_person`): the one of the page they are headed to (`next`)
    if they belong to it, else their only program (see selectors.account_program)."""
    if person is None:
        person = account_person(context)
    request = context.get("request")
    next_path = ""
    if request is not None:
        next_path = request.POST.get("next") or request.GET.get("next") or ""
    return account_program_of(user=person, next_path=next_path)
