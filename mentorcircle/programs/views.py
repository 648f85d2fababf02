from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from mentorcircle.accounts.http import AuthedRequest
from mentorcircle.core.ids import ids as only_ids
from mentorcircle.core.pagination import paginate
from mentorcircle.core.refusals import Refused
from mentorcircle.programs import selectors, services
from mentorcircle.programs.forms import (
    MemberAddForm,
    MemberBulkForm,
    MemberEditForm,
    MemberFilterForm,
    MemberImportForm,
    ProgramSettingsForm,
)
from mentorcircle.programs.models import Membership, Program

MEMBERS_PER_PAGE = 50
HISTORY_PER_PAGE = 20

# A page, or a download (StreamingHttpResponse): the decorator keeps the view's own type.
Response = TypeVar("Response", bound=HttpResponseBase)


def manager_view(view: Callable[..., Response]) -> Callable[..., Response]:
    """Signed-in program managers of `slug` only. The program's other members are told so (403,
    with a link to the program's page); people outside it get 404, as if it did not exist."""
    return _for_managers(view, tell_members=True)


def manager_only_view(view: Callable[..., Response]) -> Callable[..., Response]:
    """Signed-in program managers of `slug` only, and 404 to everyone else, the program's other
    members included: for pages about other people's records (reports, exports, a member's page
    and the changes made to members), whose existence is the managers' business alone."""
    return _for_managers(view, tell_members=False)


def _for_managers(view: Callable[..., Response], *, tell_members: bool) -> Callable[..., Response]:
    @login_required
    @wraps(view)
    def wrapper(request: AuthedRequest, slug: str, *args: object, **kwargs: object) -> Response:
        membership = selectors.membership_get(user=request.user, slug=slug)
        program = membership.program
        if not membership.is_manager:
            if not tell_members:
                raise Http404("No such program.")
            raise Refused(
                f"Only program managers of {program.name} can see this page.",
                links=[(f"Go to {program.name}", program.get_absolute_url())],
            )
        request.program = program  # type: ignore[attr-defined]  # read by the navigation
        return view(request, program, *args, **kwargs)

    return wrapper


@login_required
def program_join(request: AuthedRequest, slug: str) -> HttpResponse:
    """The invited person accepts or declines; anyone else (or no invitation) gets 404."""
    invitation = selectors.invitation_for(user=request.user, slug=slug)
    program = invitation.program
    answer = request.POST.get("answer") if request.method == "POST" else None
    if answer == "accept":
        services.invitation_accept(invitation=invitation, user=request.user)
        messages.success(request, f"You joined {program.name}.")
        return redirect(program)
    if answer == "decline":
        services.invitation_decline(invitation=invitation, user=request.user)
        messages.success(request, f"You declined the invitation to {program.name}.")
        return redirect("personal:sessions")
    return render(
        request,
        "programs/join.html",
        {"program": program, "invitation": invitation, "nav_section": "sessions"},
    )


@manager_view
def dashboard(request: AuthedRequest, program: Program) -> HttpResponse:  # noqa: ARG001 - a view's request
    return redirect("manage:members", program.slug)


@manager_view
def members(request: AuthedRequest, program: Program) -> HttpResponse:
    return members_page(request, program, bulk_form=MemberBulkForm(program=program))


def members_page(request: AuthedRequest, program: Program, *, bulk_form: MemberBulkForm) -> HttpResponse:
    """Manager > Members as the filters in the query string say, with the bulk actions' form
    (a refused one comes back with its errors and the rows still ticked). For manager views."""
    form = MemberFilterForm(request.GET, program=program)
    form.is_valid()
    filters = form.cleaned_data  # the valid filters apply even when another one is stale
    member_qs = selectors.member_list(
        program=program,
        query=filters.get("q", ""),
        role=filters.get("role", ""),
        cohort_id=filters["cohort"].pk if filters.get("cohort") else None,
        tag_id=filters["tag"].pk if filters.get("tag") else None,
    )
    page, query = paginate(request, member_qs, MEMBERS_PER_PAGE)
    return render(
        request,
        "programs/manage/members.html",
        {
            "program": program,
            "form": form,
            "page": page,
            "query": query,
            "invitations": list(selectors.pending_invitations(program=program)),
            "bulk_form": bulk_form,
            # The rows ticked in a refused bulk action stay ticked.
            "ticked": set(only_ids(request.POST.getlist("bulk-members"))) if bulk_form.is_bound else set(),
            "nav_section": "members",
        },
    )


@manager_only_view
def member(request: AuthedRequest, program: Program, membership_id: int) -> HttpResponse:
    """A member's page for the program's managers: who they are here, their role, cohorts and
    tags (changed with one "Save changes"), the way to remove them, and what was changed."""
    membership = selectors.member_get(program=program, pk=membership_id)
    form = MemberEditForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.membership_update(
                membership=membership, actor=request.user, **form.cleaned_data
            )
        except services.MembershipError as error:
            form.add_error(error.field, error.message)
        else:
            name = membership.user.name_for(request.user, manages=True)
            if changes:
                messages.success(request, f"Saved changes to {name}.")
            else:
                messages.info(request, f"Nothing to save: {name}'s role, cohorts and tags are as they were.")
            if membership.user_id == request.user.pk and membership.role != Membership.Role.MANAGER:
                return redirect(program)  # no longer a manager here: the dashboard is closed to them
            return redirect("manage:member", program.slug, membership.pk)
    history, query = paginate(
        request, selectors.member_changes(program=program, user=membership.user), HISTORY_PER_PAGE
    )
    return render(
        request,
        "programs/manage/member.html",
        {
            "program": program,
            "membership": membership,
            "form": form,
            "history": history,
            "query": query,
            "nav_section": "members",
        },
    )


@manager_only_view
def member_changes(request: AuthedRequest, program: Program) -> HttpResponse:
    """Every change to the program's members, newest first: who changed what about whom, and
    when, including the people who have left or were removed (whose own page is gone)."""
    changes, query = paginate(request, selectors.program_member_changes(program=program), HISTORY_PER_PAGE)
    return render(
        request,
        "programs/manage/member_changes.html",
        {"program": program, "changes": changes, "query": query, "nav_section": "members"},
    )


@manager_view
def member_add(request: AuthedRequest, program: Program) -> HttpResponse:
    form = MemberAddForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_add(program=program, invited_by=request.user, **form.cleaned_data)
        except services.AlreadyMemberError as error:
            form.add_error("email", str(error))
        else:
            # Only what the manager typed: an existing account is invited (it joins on accepting),
            # and the message reads the same whether the address had an account or not.
            typed = form.cleaned_data["full_name"]
            messages.success(request, f"Invited {typed}.")
            return redirect("manage:members", program.slug)
    return render(
        request,
        "programs/manage/member_add.html",
        {"program": program, "form": form, "nav_section": "members"},
    )


@manager_view
def members_import(request: AuthedRequest, program: Program) -> HttpResponse:
    form = MemberImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.members_import_csv(
                program=program, data=form.cleaned_data["file"].read(), invited_by=request.user
            )
        except services.ImportFileError as error:
            form.add_error("file", f"{error} Nothing was imported.")
    return render(
        request,
        "programs/manage/members_import.html",
        {"program": program, "form": form, "report": report, "nav_section": "members"},
    )


@manager_view
def program_settings(request: AuthedRequest, program: Program) -> HttpResponse:
    form = ProgramSettingsForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        services.program_update_settings(program=program, **form.cleaned_data)
        messages.success(request, "Saved!")
        return redirect("manage:settings", program.slug)
    return render(
        request,
        "programs/manage/settings.html",
        {"program": program, "form": form, "nav_section": "settings"},
    )
