"""Manager > Members actions that reach into group sessions. Removing people gives up their places
in the program's sessions, so these views live here, beside that service; the bulk actions form
posts here too (its label actions are programs' services). mentorcircle/urls.py adds them to the
Manager dashboard."""

from collections.abc import Sequence

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from mentorcircle.accounts.http import AuthedRequest
from mentorcircle.groupsessions import selectors, services
from mentorcircle.programs import services as program_services
from mentorcircle.programs.forms import BulkAction, MemberBulkForm, MemberRemoveForm
from mentorcircle.programs.models import Membership, Program
from mentorcircle.programs.selectors import member_get
from mentorcircle.programs.views import manager_only_view, members_page


def _members_url(request: AuthedRequest, program: Program) -> str:
    """Back to Manager > Members with the filters (and page) the manager came from. The forms
    carry them in their action's query string; only the query string is taken from the request."""
    url = reverse("manage:members", args=[program.slug])
    return f"{url}?{request.GET.urlencode()}" if request.GET else url


def _count(number: int) -> str:
    return f"{number} member{'s' if number != 1 else ''}"


def _name(membership: Membership, request: AuthedRequest) -> str:
    return membership.user.name_for(request.user, manages=True)


def _confirm(
    request: AuthedRequest,
    program: Program,
    chosen: Sequence[Membership],
    *,
    single: bool,
    error: str = "",
    tried: bool = False,
) -> HttpResponse:
    """The confirmation step: who would be removed and what that does, or why they cannot be
    (`tried`: after a removal was refused, which changed nothing)."""
    now = timezone.now()
    commitments = selectors.member_commitments(program=program, user_ids=[m.user_id for m in chosen], now=now)
    refusals = services.removal_refusals(program=program, memberships=chosen, actor=request.user, now=now)
    if single:
        action = reverse("manage:member_remove", args=[program.slug, chosen[0].pk])
        back = reverse("manage:member", args=[program.slug, chosen[0].pk])
    else:
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        action = reverse("manage:members_remove", args=[program.slug]) + query
        back = _members_url(request, program)
    return render(
        request,
        "groupsessions/members_remove.html",
        {
            "program": program,
            "people": [(m, commitments[m.user_id]) for m in chosen],
            "places": sum(c.places for c in commitments.values()),
            "refusals": refusals,
            "error": error if not refusals else "",
            "single": single,
            "myself": single and chosen[0].user_id == request.user.pk,
            "tried": tried,
            "action": action,
            "back": back,
            "nav_section": "members",
        },
    )


def _remove(
    request: AuthedRequest, program: Program, chosen: Sequence[Membership], *, single: bool
) -> HttpResponse:
    try:
        given_up = services.members_remove(program=program, memberships=chosen, actor=request.user)
    except services.SessionError as error:
        # Nothing changed; the confirmation page says why (and offers no Remove button).
        return _confirm(request, program, chosen, single=single, error=error.message, tried=True)
    who = _name(chosen[0], request) if len(chosen) == 1 else _count(len(chosen))
    done = f"Removed {who} from {program.name}."
    if given_up:
        done += f" {given_up} place{'s' if given_up != 1 else ''} in upcoming sessions given up."
    messages.success(request, done)
    if any(m.user_id == request.user.pk for m in chosen):
        return redirect("home")  # they removed themselves: the program is closed to them now
    return redirect(
        reverse("manage:members", args=[program.slug]) if single else _members_url(request, program)
    )


@manager_only_view
def member_remove(request: AuthedRequest, program: Program, membership_id: int) -> HttpResponse:
    """A member's page › Remove from program: GET asks to confirm (saying what happens), POST
    removes."""
    membership = member_get(program=program, pk=membership_id)
    if request.method == "POST":
        return _remove(request, program, [membership], single=True)
    return _confirm(request, program, [membership], single=True)


@manager_only_view
def members_bulk(request: AuthedRequest, program: Program) -> HttpResponse:
    """Manager > Members › the ticked rows › Apply: add them to a cohort, tag them, or ask to
    confirm their removal. Bad input changes nothing and comes back on the list, explained."""
    if request.method != "POST":
        return redirect(_members_url(request, program))
    form = MemberBulkForm(request.POST, program=program)
    if not form.is_valid():
        return members_page(request, program, bulk_form=form)
    chosen = list(form.cleaned_data["members"])
    action = form.cleaned_data["action"]
    if action == BulkAction.REMOVE:
        return _confirm(request, program, chosen, single=False)
    label = form.cleaned_data["cohort"] if action == BulkAction.ADD_COHORT else form.cleaned_data["tag"]
    if action == BulkAction.ADD_COHORT:
        added = program_services.members_add_to_cohort(
            program=program, memberships=chosen, cohort=label, actor=request.user
        )
        already = len(chosen) - added
        done = f"Added {_count(added)} to {label.name}."
        if already:
            done += f" {already} {'was' if already == 1 else 'were'} in it already."
    else:
        added = program_services.members_add_tag(
            program=program, memberships=chosen, tag=label, actor=request.user
        )
        already = len(chosen) - added
        done = f"Added the tag {label.name} to {_count(added)}."
        if already:
            done += f" {already} had it already."
    messages.success(request, done)
    return redirect(_members_url(request, program))


@manager_only_view
def members_remove(request: AuthedRequest, program: Program) -> HttpResponse:
    """The bulk removal's confirmation page › Remove: all of them, or (refused) none."""
    if request.method != "POST":
        return redirect(_members_url(request, program))
    form = MemberRemoveForm(request.POST, program=program)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form["members"].errors))
        return redirect(_members_url(request, program))
    return _remove(request, program, list(form.cleaned_data["members"]), single=False)
