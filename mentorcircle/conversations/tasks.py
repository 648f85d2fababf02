"""Background work of conversations: a share to more people than a request should wait for."""

from datetime import datetime

from django_tasks import task

from mentorcircle.accounts.models import User
from mentorcircle.conversations import services
from mentorcircle.groupsessions.models import GroupSession


@task()
def share_batch(*, session_id: int, sharer_id: int, user_ids: list[int], note: str, shared_at: str) -> None:
    """Post one batch of a share's messages (safe to run again: see services.share_send)."""
    session = GroupSession.objects.select_related("program").filter(pk=session_id).first()
    sharer = User.objects.filter(pk=sharer_id).first()
    if session is None or sharer is None:
        return
    services.share_send(
        session=session,
        sharer=sharer,
        user_ids=user_ids,
        note=note,
        shared_at=datetime.fromisoformat(shared_at),
    )
