"""Every write to programs and memberships goes through here."""

import csv
import io
from collections.abc import Collection, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from mentorcircle.accounts.models import User
from mentorcircle.accounts.timezones import is_valid_timezone
from mentorcircle.core.events import publish
from mentorcircle.core.validators import as_single_line
from mentorcircle.programs.events import MembersAdded, ProgramInvitationsMade
from mentorcircle.programs.models import (
    Cohort,
    MemberChange,
    Membership,
    Program,
    ProgramInvitation,
    Tag,
)


class AlreadyMemberError(Exception):
    pass


class MembershipError(Exception):
    """A membership rule was broken; the message says which, for the person, and `field` names
    the form field it belongs next to, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


VIDEO_FIELDS = ("video_service", "jitsi_url", "jitsi_app_id", "jitsi_app_secret", "bbb_url", "bbb_secret")
SECRET_FIELDS = ("jitsi_app_secret", "bbb_secret")


def program_update_settings(
    *,
    program: Program,
    allow_group_sessions: bool,
    default_min_participants: int,
    default_max_participants: int,
    decision_hours_before: int,
    join_minutes_before: int,
    time_zone: str | None = None,
    **video: str,
) -> Program:
    """Save the program's settings; `video` holds the "Video calls" fields (VIDEO_FIELDS), and
    a secret left blank keeps the saved one, as does a time zone left out."""
    if time_zone is not None:
        if not is_valid_timezone(time_zone):
            raise ValueError(f"Unknown time zone: {time_zone!r}")
        program.time_zone = time_zone
    program.allow_group_sessions = allow_group_sessions
    program.default_min_participants = default_min_participants
    program.default_max_participants = default_max_participants
    program.decision_hours_before = decision_hours_before
    program.join_minutes_before = join_minutes_before
    unknown = set(video) - set(VIDEO_FIELDS)
    if unknown:
        raise TypeError(f"Unknown video settings: {', '.join(sorted(unknown))}")
    for name, value in video.items():
        if name in SECRET_FIELDS and not value:
            continue
        setattr(program, name, value.strip())
    if not program.jitsi_app_id:
        program.jitsi_app_secret = ""  # no app, no token: nothing to keep a secret for
    program.save()
    return program


def _invite_on_commit(membership_ids: list[int], invited_by: User) -> None:
    """Once committed, the people added are told (by whoever subscribes: notifications emails
    them in the background; the request sends nothing itself, however many it added)."""
    if membership_ids:
        publish(MembersAdded(membership_ids=tuple(membership_ids), invited_by_name=invited_by.display_name))


def _program_invitations_on_commit(invitation_ids: list[int], invited_by: User) -> None:
    """Once committed, the people invited are asked to join."""
    if invitation_ids:
        publish(
            ProgramInvitationsMade(
                invitation_ids=tuple(invitation_ids), invited_by_name=invited_by.display_name
            )
        )


def _program_invite(
    *,
    program: Program,
    email: str,
    name_given: str,
    role: str,
    cohorts: Iterable[Cohort],
    tags: Iterable[Tag],
    invited_by: User,
) -> ProgramInvitation:
    """Invite an existing account that is not a member: it joins only when the person accepts.
    Inviting the same address again refreshes the pending invitation (the email goes once per
    invitation). The caller queues the email (_program_invitations_on_commit)."""
    invitation, _ = ProgramInvitation.objects.update_or_create(
        program=program,
        email=email,
        defaults={"name_given": name_given, "role": role, "invited_by": invited_by},
    )
    invitation.cohorts.set(cohorts)
    invitation.tags.set(tags)
    return invitation


@transaction.atomic
def member_add(
    *,
    program: Program,
    email: str,
    full_name: str,
    role: str,
    cohorts: Iterable[Cohort] = (),
    tags: Iterable[Tag] = (),
    invited_by: User,
) -> Membership | ProgramInvitation:
    """Add a new person to the program (creating their account) and email them; an address that
    already has an account gets a ProgramInvitation instead, so the manager learns nothing of it
    until the person accepts."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if Membership.objects.filter(program=program, user=user).exists():
            raise AlreadyMemberError(f"{email} is already a member of {program.name}.")
        invitation = _program_invite(
            program=program,
            email=email,
            name_given=as_single_line(full_name),
            role=role,
            cohorts=cohorts,
            tags=tags,
            invited_by=invited_by,
        )
        _program_invitations_on_commit([invitation.pk], invited_by)
        return invitation
    cohorts, tags = list(cohorts), list(tags)
    user = User.objects.create_user(email=email, full_name=full_name.strip())
    membership = Membership.objects.create(program=program, user=user, role=role)
    membership.cohorts.set(cohorts)
    membership.tags.set(tags)
    _added(membership, cohorts=cohorts, tags=tags, by=invited_by).save()
    _invite_on_commit([membership.pk], invited_by)
    return membership


def membership_leave(*, program: Program, user: User) -> None:
    """Take the person out of the program. The last program manager stays: someone has to run it.
    (groupsessions.services.member_leave_program also gives up their places in its sessions.)"""
    with transaction.atomic():
        # One leaver at a time per program, so two managers leaving at once cannot both go.
        Program.objects.select_for_update().filter(pk=program.pk).first()
        membership = Membership.objects.filter(program=program, user=user).first()
        if membership is None:
            return
        managers = Membership.objects.filter(program=program, role=Membership.Role.MANAGER)
        if membership.is_manager and not managers.exclude(pk=membership.pk).exists():
            raise MembershipError(
                f"You are the only program manager of {program.name}, so you cannot leave it: "
                "make another member a program manager first."
            )
        _change(
            membership,
            MemberChange.Action.LEFT,
            f"Left the program (was {membership.get_role_display()})",
            by=user,
        ).save()
        membership.delete()


@transaction.atomic
def invitation_accept(*, invitation: ProgramInvitation, user: User) -> Membership:
    """The invited person joins with the role, cohorts and tags they were invited with."""
    if invitation.email != user.email.lower():
        raise MembershipError("This invitation is for another address.")
    membership, created = Membership.objects.get_or_create(
        program=invitation.program, user=user, defaults={"role": invitation.role}
    )
    if created:
        cohorts, tags = list(invitation.cohorts.all()), list(invitation.tags.all())
        membership.cohorts.set(cohorts)
        membership.tags.set(tags)
        _added(
            membership, cohorts=cohorts, tags=tags, by=user, words="Accepted the invitation: joined as"
        ).save()
    invitation.delete()
    return membership


def invitation_decline(*, invitation: ProgramInvitation, user: User) -> None:
    if invitation.email != user.email.lower():
        raise MembershipError("This invitation is for another address.")
    invitation.delete()


# ---- Member administration: role, cohorts and tags, and their history ------------------------

MAX_DESCRIPTION = 500  # MemberChange.description


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def _names(labels: Iterable[Cohort | Tag]) -> str:
    return ", ".join(sorted((label.name for label in labels), key=str.lower))


def _person(user: User, actor: User | None = None) -> str:
    """How a manager reads a member's name in a message ("You" for themselves)."""
    if actor is not None and actor.pk == user.pk:
        return "You"
    return user.name_for(None, manages=True)


def _change(membership: Membership, action: str, description: str, *, by: User | None) -> MemberChange:
    """A history row (unsaved) for a change to this membership."""
    return MemberChange(
        program_id=membership.program_id,
        user_id=membership.user_id,
        changed_by=by,
        action=action,
        description=_bounded(as_single_line(description)),
    )


def _added(
    membership: Membership,
    *,
    cohorts: Iterable[Cohort],
    tags: Iterable[Tag],
    by: User,
    words: str = "Added as",
    via: str = "",
) -> MemberChange:
    parts = [f"{words} {membership.get_role_display()}"]
    cohorts, tags = list(cohorts), list(tags)
    if cohorts:
        parts.append(f"cohorts: {_names(cohorts)}")
    if tags:
        parts.append(f"tags: {_names(tags)}")
    return _change(membership, MemberChange.Action.ADDED, "; ".join(parts) + via, by=by)


def _difference(what: str, *, before: AbstractSet[Cohort | Tag], after: AbstractSet[Cohort | Tag]) -> str:
    """ "Cohorts: added Spring 2027; removed Autumn 2027"."""
    parts = []
    if after - before:
        parts.append(f"added {_names(after - before)}")
    if before - after:
        parts.append(f"removed {_names(before - after)}")
    return f"{what}: {'; '.join(parts)}"


def _lock_program(program: Program) -> None:
    """One membership change at a time per program, so that two changes at once cannot both
    take away the last program manager."""
    Program.objects.select_for_update().filter(pk=program.pk).first()


def _require_manager(*, program: Program, actor: User) -> None:
    if not Membership.objects.filter(program=program, user=actor, role=Membership.Role.MANAGER).exists():
        raise MembershipError(f"Only program managers of {program.name} can change its members.")


def last_manager_refusal(*, program: Program, leaving: Collection[Membership], actor: User) -> str | None:
    """Why these memberships cannot all stop being program managers (removed, or given another
    role): nobody would be left to run the program. None when they can."""
    managers = [membership for membership in leaving if membership.is_manager]
    if not managers:
        return None
    others = Membership.objects.filter(program=program, role=Membership.Role.MANAGER)
    if others.exclude(pk__in=[membership.pk for membership in leaving]).exists():
        return None
    if len(managers) == 1:
        who = _person(managers[0].user, actor)
        verb = "are" if who == "You" else "is"
        return (
            f"{who} {verb} the only program manager of {program.name}: "
            "make another member a program manager first."
        )
    names = ", ".join(_person(membership.user, actor) for membership in managers)
    return (
        f"{names} are the only program managers of {program.name}: keep at least one of them, "
        "or make another member a program manager first."
    )


def _current(program: Program, memberships: Iterable[Membership]) -> list[Membership]:
    """The memberships as they are now (read under the program's lock); gone ones are left out."""
    ids = [membership.pk for membership in memberships]
    return list(Membership.objects.filter(program=program, pk__in=ids).select_related("user").order_by("pk"))


def _check_labels(program: Program, labels: Iterable[Cohort | Tag]) -> None:
    if any(label.program_id != program.pk for label in labels):
        raise MembershipError(f"Choose cohorts and tags of {program.name}.")


def membership_update(
    *,
    membership: Membership,
    role: str,
    cohorts: Iterable[Cohort] | None = None,
    tags: Iterable[Tag] | None = None,
    actor: User,
) -> list[str]:
    """Change a member's role, cohorts and tags (None: leave them as they are). Each change is
    recorded. The last program manager keeps the role (MembershipError on `role`; nothing
    changes). Returns the changes, in the history's words (empty: nothing to change)."""
    program = membership.program
    new_cohorts = None if cohorts is None else set(cohorts)
    new_tags = None if tags is None else set(tags)
    _check_labels(program, [*(new_cohorts or ()), *(new_tags or ())])
    if role not in Membership.Role.values:
        raise MembershipError("Choose one of the roles.", field="role")
    with transaction.atomic():
        _lock_program(program)
        _require_manager(program=program, actor=actor)
        found = _current(program, [membership])
        if not found:
            raise MembershipError(f"{_person(membership.user)} is no longer a member of {program.name}.")
        current = found[0]
        changes = []
        if role != current.role:
            refusal = last_manager_refusal(program=program, leaving=[current], actor=actor)
            if refusal:
                raise MembershipError(refusal, field="role")
            before = current.get_role_display()
            current.role = role
            current.save(update_fields=["role"])
            text = f"Role: {before} → {current.get_role_display()}"
            changes.append(_change(current, MemberChange.Action.ROLE, text, by=actor))
        if new_cohorts is not None:
            old_cohorts = set(current.cohorts.all())
            if new_cohorts != old_cohorts:
                current.cohorts.set(new_cohorts)
                text = _difference("Cohorts", before=old_cohorts, after=new_cohorts)
                changes.append(_change(current, MemberChange.Action.COHORTS, text, by=actor))
        if new_tags is not None:
            old_tags = set(current.tags.all())
            if new_tags != old_tags:
                current.tags.set(new_tags)
                text = _difference("Tags", before=old_tags, after=new_tags)
                changes.append(_change(current, MemberChange.Action.TAGS, text, by=actor))
        MemberChange.objects.bulk_create(changes)
    membership.role = current.role
    return [change.description for change in changes]


def _members_add_label(
    *, program: Program, memberships: Iterable[Membership], label: Cohort | Tag, actor: User
) -> int:
    _check_labels(program, [label])
    is_cohort = isinstance(label, Cohort)
    with transaction.atomic():
        _lock_program(program)
        _require_manager(program=program, actor=actor)
        current = _current(program, memberships)
        having = set(label.memberships.filter(pk__in=[m.pk for m in current]).values_list("pk", flat=True))
        adding = [membership for membership in current if membership.pk not in having]
        label.memberships.add(*adding)
        action = MemberChange.Action.COHORTS if is_cohort else MemberChange.Action.TAGS
        text = f"{'Cohorts' if is_cohort else 'Tags'}: added {label.name}"
        MemberChange.objects.bulk_create(_change(m, action, text, by=actor) for m in adding)
    return len(adding)


def members_add_to_cohort(
    *, program: Program, memberships: Iterable[Membership], cohort: Cohort, actor: User
) -> int:
    """Put these members in the cohort (those already in it stay as they are). Returns how many
    were added; each addition is recorded."""
    return _members_add_label(program=program, memberships=memberships, label=cohort, actor=actor)


def members_add_tag(*, program: Program, memberships: Iterable[Membership], tag: Tag, actor: User) -> int:
    """Tag these members (those who have the tag already stay as they are). Returns how many
    were tagged; each is recorded."""
    return _members_add_label(program=program, memberships=memberships, label=tag, actor=actor)


def memberships_remove(*, program: Program, memberships: Iterable[Membership], actor: User) -> list[User]:
    """Take these members out of the program; their history stays (with the removal recorded).
    Refused (MembershipError, nothing changes) when no program manager would be left. Returns
    the people removed. groupsessions.services.members_remove calls this and also gives up
    their places in the program's sessions: call that one."""
    with transaction.atomic():
        _lock_program(program)
        _require_manager(program=program, actor=actor)
        current = _current(program, memberships)
        refusal = last_manager_refusal(program=program, leaving=current, actor=actor)
        if refusal:
            raise MembershipError(refusal)
        MemberChange.objects.bulk_create(
            _change(
                m,
                MemberChange.Action.REMOVED,
                f"Removed from the program (was {m.get_role_display()})",
                by=actor,
            )
            for m in current
        )
        Membership.objects.filter(pk__in=[m.pk for m in current]).delete()
    return [membership.user for membership in current]


# ---- CSV import -------------------------------------------------------------------------------

MAX_IMPORT_ROWS = 5000
REQUIRED_COLUMNS = ("email", "name", "role")
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, "cohort", "tags")
ROLE_WORDS = {
    "manager": Membership.Role.MANAGER,
    "program manager": Membership.Role.MANAGER,
    "pm": Membership.Role.MANAGER,
    "mentor": Membership.Role.MENTOR,
    "mentee": Membership.Role.MENTEE,
}


Label = TypeVar("Label", Cohort, Tag)


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing was imported."""


Outcome = Literal["created", "invited", "updated", "unchanged", "rejected"]


@dataclass
class ImportRow:
    line: int
    email: str
    outcome: Outcome
    detail: str = ""


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def summary(self) -> str:
        outcomes: tuple[Outcome, ...] = ("created", "invited", "updated", "unchanged", "rejected")
        # "invited" only when some row was, so the usual summary reads as it always has
        parts = [f"{self.count(o)} {o}" for o in outcomes if o != "invited" or self.count(o)]
        return ", ".join(parts)


def _split_names(value: str) -> list[str]:
    names = (as_single_line(name) for name in value.replace(";", ",").split(","))
    return [name for name in names if name]


def _read_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.") from None
    if not text.strip():
        raise ImportFileError("The file is empty.")
    first_line = text.lstrip().partition("\n")[0]
    # Spreadsheets in many locales save "CSV" with semicolons.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [column.strip().lower() for column in next(reader)]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise ImportFileError(
                f"The first line must name the columns; missing: {', '.join(missing)}. "
                f"Expected: {', '.join(KNOWN_COLUMNS)}."
            )
        unknown = [c for c in header if c not in KNOWN_COLUMNS]
        if unknown:
            raise ImportFileError(
                f"Unknown column(s): {', '.join(unknown)}. Expected: {', '.join(KNOWN_COLUMNS)}."
            )
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise ImportFileError(
                    f"Line {reader.line_num} has {len(values)} values; the header has {len(header)}."
                )
            rows.append((reader.line_num, dict(zip(header, (v.strip() for v in values), strict=True))))
            if len(rows) > MAX_IMPORT_ROWS:
                raise ImportFileError(f"The file has more than {MAX_IMPORT_ROWS} rows; split it up.")
    except csv.Error as error:
        raise ImportFileError(f"Line {reader.line_num} is not valid CSV: {error}.") from None
    if not rows:
        raise ImportFileError("The file has a header but no members.")
    return rows


def _labels(
    model: type[Label], *, program: Program, known: dict[str, Label], names: list[str]
) -> list[Label]:
    """The program's cohorts or tags with these names (any case), creating the missing ones."""
    found = []
    for name in names:
        key = name.lower()
        if key not in known:
            known[key] = model.objects.create(program=program, name=name)
        found.append(known[key])
    return found


@transaction.atomic
def members_import_csv(*, program: Program, data: bytes, invited_by: User) -> ImportReport:
    """Create or update members from CSV (email, name, role, cohort, tags).

    A malformed file raises ImportFileError and changes nothing. Otherwise each row is
    created, invited (an existing account that is not a member: it joins on accepting),
    updated, unchanged or rejected with its reason; good rows are imported.
    """
    rows = _read_csv(data)
    report = ImportReport()
    seen: dict[str, int] = {}
    cohorts = {c.name.lower(): c for c in program.cohorts.all()}
    tags = {t.name.lower(): t for t in program.tags.all()}
    added: list[int] = []
    invited: list[int] = []
    history: list[MemberChange] = []
    via = " (CSV import)"

    for line, row in rows:
        email = row["email"].lower()

        def reject(reason: str, *, line: int = line, email: str = email) -> None:
            report.rows.append(ImportRow(line, email, "rejected", reason))

        try:
            validate_email(email)
        except ValidationError:
            reject(f"“{row['email']}” is not a valid email address.")
            continue
        if email in seen:
            reject(f"Same email as line {seen[email]}.")
            continue
        seen[email] = line
        role = ROLE_WORDS.get(row["role"].lower())
        if role is None:
            reject(f"Role “{row['role']}” is not one of: manager, mentor, mentee.")
            continue
        name = as_single_line(row["name"])
        if len(name) > 150:
            reject("Name is longer than 150 characters.")
            continue
        cohort_names = _split_names(row.get("cohort", ""))
        tag_names = _split_names(row.get("tags", ""))
        too_long = [n for n in cohort_names if len(n) > 100] + [n for n in tag_names if len(n) > 50]
        if too_long:
            reject(f"Cohort or tag name too long: “{too_long[0][:40]}…”.")
            continue

        user = User.objects.filter(email__iexact=email).first()
        membership = Membership.objects.filter(program=program, user=user).first() if user else None
        if membership is not None and user == invited_by and role != membership.role:
            reject("You cannot change your own role.")
            continue

        row_cohorts = _labels(Cohort, program=program, known=cohorts, names=cohort_names)
        row_tags = _labels(Tag, program=program, known=tags, names=tag_names)

        if membership is None:
            if user is not None:
                invitation = _program_invite(
                    program=program,
                    email=email,
                    name_given=name,
                    role=role,
                    cohorts=row_cohorts,
                    tags=row_tags,
                    invited_by=invited_by,
                )
                invited.append(invitation.pk)
                report.rows.append(ImportRow(line, email, "invited", "Joins on accepting the invitation."))
                continue
            user = User.objects.create_user(email=email, full_name=name)
            membership = Membership.objects.create(program=program, user=user, role=role)
            membership.cohorts.set(row_cohorts)
            membership.tags.set(row_tags)
            history.append(_added(membership, cohorts=row_cohorts, tags=row_tags, by=invited_by, via=via))
            added.append(membership.pk)
            report.rows.append(ImportRow(line, email, "created", membership.get_role_display()))
            continue

        user = membership.user
        changes = []
        if role != membership.role:
            before = membership.get_role_display()
            membership.role = role
            membership.save(update_fields=["role"])
            changes.append(f"role → {membership.get_role_display()}")
            text = f"Role: {before} → {membership.get_role_display()}{via}"
            history.append(_change(membership, MemberChange.Action.ROLE, text, by=invited_by))
        if name and not user.full_name:
            user.full_name = name
            user.save(update_fields=["full_name"])
            changes.append("name")
        new_cohorts = set(row_cohorts) - set(membership.cohorts.all())
        if new_cohorts:
            membership.cohorts.add(*new_cohorts)
            changes.append("cohort " + ", ".join(sorted(c.name for c in new_cohorts)))
            text = f"Cohorts: added {_names(new_cohorts)}{via}"
            history.append(_change(membership, MemberChange.Action.COHORTS, text, by=invited_by))
        new_tags = set(row_tags) - set(membership.tags.all())
        if new_tags:
            membership.tags.add(*new_tags)
            changes.append("tags " + ", ".join(sorted(t.name for t in new_tags)))
            text = f"Tags: added {_names(new_tags)}{via}"
            history.append(_change(membership, MemberChange.Action.TAGS, text, by=invited_by))
        if changes:
            report.rows.append(ImportRow(line, email, "updated", "; ".join(changes)))
        else:
            report.rows.append(ImportRow(line, email, "unchanged", "Already a member."))
    MemberChange.objects.bulk_create(history, batch_size=500)
    _invite_on_commit(added, invited_by)
    _program_invitations_on_commit(invited, invited_by)
    return report
