"""Who may do what with group sessions: small predicates, asked by the views (to show or
hide, and to answer 404) and again by the services where the write happens, so the API,
tasks and commands cannot skip them."""

from mentorcircle.accounts.models import User
from mentorcircle.groupsessions.models import GroupSession
from mentorcircle.programs.models import Membership

CREATOR_ROLES = (Membership.Role.MANAGER, Membership.Role.MENTOR)


def can_create_sessions(*, membership: Membership | None) -> bool:
    """Program managers and mentors, while the program allows group sessions."""
    return bool(membership and membership.program.allow_group_sessions and membership.role in CREATOR_ROLES)


def can_invite(*, membership: Membership | None) -> bool:
    """Program managers and mentors (the people who host) may look members up to invite them."""
    return bool(membership and membership.role in CREATOR_ROLES)


def can_manage_session(*, session: GroupSession, user: User, membership: Membership | None) -> bool:
    """The host and the program's managers may edit, cancel, invite to and follow up a session."""
    return session.host_id == user.pk or bool(
        membership and membership.program_id == session.program_id and membership.is_manager
    )
