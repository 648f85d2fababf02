"""The CSV downloads of a program's Reports (Manager > Reports): the page's filters, read from the
same query string, select the same rows (see `exports` for the file's format). Filters that do
not validate give no file: back to the Reports page, which shows what to fix."""

import re
from collections.abc import Callable, Iterable, Sequence

from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from mentorcircle.accounts.http import AuthedRequest
from mentorcircle.groupsessions import exports
from mentorcircle.groupsessions.forms import ReportFilterForm
from mentorcircle.groupsessions.reports import ReportFilters
from mentorcircle.programs.models import Program
from mentorcircle.programs.views import manager_only_view

# The longest a filter's name gets in a file name.
NAME_PART = 30


def _part(text: str) -> str:
    """A short ASCII form of a name for a file name ("" when nothing of it is ASCII)."""
    return re.sub(r"[^a-z0-9-]+", "-", slugify(text))[:NAME_PART].strip("-")


def filename(filters: ReportFilters, what: str) -> str:
    """E.g. alpha-participants-2027-01-01-to-2027-03-31-cohort-spring-2027.csv; ASCII only,
    whatever the slug and the names of the cohort, tag and host."""
    start, end = filters.start, filters.end
    if start and end:
        span = f"{start.isoformat()}-to-{end.isoformat()}"
    elif start:
        span = f"from-{start.isoformat()}"
    elif end:
        span = f"until-{end.isoformat()}"
    else:
        span = "all-time"
    parts = [_part(filters.program.slug) or "program", what, span]
    if filters.cohort is not None:
        parts += ["cohort", _part(filters.cohort.name) or str(filters.cohort.pk)]
    if filters.tag is not None:
        parts += ["tag", _part(filters.tag.name) or str(filters.tag.pk)]
    if filters.host is not None:
        host = filters.host
        parts += ["host", _part(host.full_name) or _part(host.email.partition("@")[0]) or str(host.pk)]
    return "-".join(parts) + ".csv"


def _download(
    request: AuthedRequest,
    program: Program,
    what: str,
    header: Sequence[str],
    rows: Callable[[ReportFilters], Iterable[exports.Row]],
) -> HttpResponse | StreamingHttpResponse:
    form = ReportFilterForm(request.GET, program=program)
    filters = form.filters()
    if form.errors:  # never a file of other filters than those asked for
        query = request.GET.urlencode()
        url = reverse("manage:reports", args=[program.slug])
        return HttpResponseRedirect(f"{url}?{query}" if query else url)
    response = StreamingHttpResponse(
        exports.csv_bytes(header, rows(filters)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename(filters, what))
    response["Cache-Control"] = "private, no-store"  # names and email addresses
    return response


@require_safe
@manager_only_view
def export_sessions(request: AuthedRequest, program: Program) -> HttpResponse | StreamingHttpResponse:
    now = timezone.now()
    return _download(
        request,
        program,
        "sessions",
        exports.session_header(program),
        lambda filters: exports.session_rows(filters, viewer=request.user, now=now),
    )


@require_safe
@manager_only_view
def export_participants(request: AuthedRequest, program: Program) -> HttpResponse | StreamingHttpResponse:
    return _download(
        request,
        program,
        "participants",
        exports.PARTICIPANT_HEADER,
        lambda filters: exports.participant_rows(filters, viewer=request.user),
    )


@require_safe
@manager_only_view
def export_members(request: AuthedRequest, program: Program) -> HttpResponse | StreamingHttpResponse:
    now = timezone.now()
    return _download(
        request,
        program,
        "members",
        exports.MEMBER_HEADER,
        lambda filters: exports.member_rows(filters, viewer=request.user, now=now),
    )
