"""The CSV downloads of a program's Reports (Manager > Reports): the page's filters, read from the
same query string, select the same rows (see `exports` for the file's format)."""

import re
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from mentorcircle.accounts.http import AuthedRequest
from mentorcircle.groupsessions import exports
from mentorcircle.groupsessions.forms import ReportFilterForm
from mentorcircle.groupsessions.reports import ReportFilters
from mentorcircle.programs.models import Program
from mentorcircle.programs.views import manager_only_view


def filename(filters: ReportFilters, what: str) -> str:
    """E.g. alpha-participants-2027-01-01-to-2027-03-31.csv; ASCII only, whatever the slug."""
    start, end = filters.start, filters.end
    if start and end:
        span = f"{start.isoformat()}-to-{end.isoformat()}"
    elif start:
        span = f"from-{start.isoformat()}"
    elif end:
        span = f"until-{end.isoformat()}"
    else:
        span = "all-time"
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", filters.program.slug).strip("-") or "program"
    return f"{slug}-{what}-{span}.csv"


def _download(
    filters: ReportFilters, what: str, header: Sequence[str], rows: Iterable[exports.Row]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(exports.csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename(filters, what))
    response["Cache-Control"] = "private, no-store"  # names and email addresses
    return response


@require_safe
@manager_only_view
def export_sessions(request: AuthedRequest, program: Program) -> StreamingHttpResponse:
    filters = ReportFilterForm(request.GET, program=program).filters()
    rows = exports.session_rows(filters, viewer=request.user, now=timezone.now())
    return _download(filters, "sessions", exports.SESSION_HEADER, rows)


@require_safe
@manager_only_view
def export_participants(request: AuthedRequest, program: Program) -> StreamingHttpResponse:
    filters = ReportFilterForm(request.GET, program=program).filters()
    rows = exports.participant_rows(filters, viewer=request.user)
    return _download(filters, "participants", exports.PARTICIPANT_HEADER, rows)


@require_safe
@manager_only_view
def export_members(request: AuthedRequest, program: Program) -> StreamingHttpResponse:
    filters = ReportFilterForm(request.GET, program=program).filters()
    rows = exports.member_rows(filters, viewer=request.user, now=timezone.now())
    return _download(filters, "members", exports.MEMBER_HEADER, rows)
