"""Group sessions' own background work."""

from django_tasks import task


@task()
def decide_session(*, session_id: int) -> None:
    """Runs at the session's decision time (the `decide_sessions` command is the safety net)."""
    from mentorcircle.groupsessions.services import session_decide

    session_decide(session_id=session_id)
