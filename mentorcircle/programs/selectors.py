from urllib.parse import urlsplit

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import Resolver404, resolve

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import MemberChange, Membership, Program, ProgramInvitation


def membership_get(*, user: User, slug: str) -> Membership:
    """The viewer's membership in the program, or 404 (outsiders never learn it exists)."""
    try:
        return Membership.objects.select_related("program").get(program__slug=slug, user=user)
    except Membership.DoesNotExist:
        raise Http404("No such program.") from None


def program_get_for_manager(*, user: User, slug: str) -> Program:
    membership = membership_get(user=user, slug=slug)
    if not membership.is_manager:
        raise Http404("No such program.")
    return membership.program


def programs_managed_by(*, user: User) -> QuerySet[Program]:
    return Program.objects.filter(memberships__user=user, memberships__role=Membership.Role.MANAGER).order_by(
        "name"
    )


def memberships_of(*, user: User) -> QuerySet[Membership]:
    """The person's memberships with their programs, by program name."""
    return Membership.objects.filter(user=user).select_related("program").order_by("program__name")


def membership_in(*, user: User, program_id: str) -> Membership | None:
    """The person's membership in the program with this id (as typed in a query string), or None."""
    if not program_id.isdigit():
        return None
    return Membership.objects.filter(user=user, program_id=program_id).select_related("program").first()


def manages_any(*, user: User, program_ids: set[int]) -> bool:
    """Whether the person is a member (in any role) of one of these programs."""
    return Membership.objects.filter(user=user, program_id__in=program_ids).exists()


def user_by_email(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email).first()


def programs_of(*, user: User) -> QuerySet[Program]:
    return Program.objects.filter(memberships__user=user).order_by("name")


def member_list(
    *,
    program: Program,
    query: str = "",
    role: str = "",
    cohort_id: int | None = None,
    tag_id: int | None = None,
) -> QuerySet[Membership]:
    members = program.memberships.select_related("user").prefetch_related("cohorts", "tags")
    if query:
        members = members.filter(Q(user__full_name__icontains=query) | Q(user__email__icontains=query))
    if role:
        members = members.filter(role=role)
    if cohort_id:
        members = members.filter(cohorts__id=cohort_id)
    if tag_id:
        members = members.filter(tags__id=tag_id)
    return members.order_by("user__full_name", "user__email")


def member_get(*, program: Program, pk: int) -> Membership:
    """One member of the program, with their cohorts and tags; 404 for anyone else's."""
    try:
        return (
            program.memberships.select_related("user", "program")
            .prefetch_related("cohorts", "tags")
            .get(pk=pk)
        )
    except Membership.DoesNotExist:
        raise Http404("No such member.") from None


def member_changes(*, program: Program, user: User) -> QuerySet[MemberChange]:
    """What was changed about the person in the program (kept after they are removed), newest
    first, with who changed it."""
    return MemberChange.objects.filter(program=program, user=user).select_related("changed_by")


def program_member_changes(*, program: Program) -> QuerySet[MemberChange]:
    """Every change to the program's members, newest first, with whom it was about and who made
    it: also those about people no longer in the program."""
    return MemberChange.objects.filter(program=program).select_related("user", "changed_by")


def pending_invitations(*, program: Program) -> QuerySet[ProgramInvitation]:
    """Invitations not answered yet, as the manager typed them (one query; nothing of the
    invited account is read)."""
    return program.invitations.order_by("name_given", "email")


def invitation_for(*, user: User, slug: str) -> ProgramInvitation:
    """The signed-in person's own pending invitation to the program, or 404."""
    try:
        return ProgramInvitation.objects.select_related("program").get(
            program__slug=slug, email=user.email.lower()
        )
    except ProgramInvitation.DoesNotExist:
        raise Http404("No such invitation.") from None


def invitations_of(*, user: User) -> QuerySet[ProgramInvitation]:
    return ProgramInvitation.objects.select_related("program").filter(email=user.email.lower())


def person_get_visible(*, viewer: User, pk: int) -> User:
    """The person if the viewer shares a program with them (or is them), else 404."""
    if viewer.pk == pk:
        return viewer
    shared = Membership.objects.filter(user_id=pk, program__memberships__user=viewer).exists()
    if not shared:
        raise Http404("No such person.")
    return User.objects.get(pk=pk)


def shared_memberships(*, viewer: User, person: User) -> QuerySet[Membership]:
    """The person's memberships in the programs the viewer is also in."""
    return (
        Membership.objects.filter(user=person, program__memberships__user=viewer)
        .select_related("program")
        .order_by("program__name")
    )


def account_program(*, user: User | None, next_path: str = "") -> Program | None:
    """The program the sign-in pages and emails may name for this person: the one in the page
    they are headed to (a /programs/<slug>/ or /manage/<slug>/ address) if they belong to it,
    else their only program. None for someone unknown or in several programs."""
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user).select_related("program")
    slug = _slug_in(next_path)
    if slug:
        headed_to = memberships.filter(program__slug=slug).first()
        if headed_to:
            return headed_to.program
    only = list(memberships[:2])
    return only[0].program if len(only) == 1 else None


def _slug_in(path: str) -> str:
    """The program slug of a site path, if it names one."""
    if not path.startswith("/") or path.startswith("//"):
        return ""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return ""
    slug = match.kwargs.get("slug")
    return slug if isinstance(slug, str) else ""
