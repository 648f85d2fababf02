from django.db.models import QuerySet
from django.http import Http404

from mentorcircle.accounts.models import User
from mentorcircle.programs.models import Membership


def profile_get_visible(*, viewer: User, pk: int) -> User:
    """The person's profile if the viewer shares a program with them (or is them), else 404."""
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
