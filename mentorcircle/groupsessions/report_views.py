"""Manager > Reports: a program's figures for a period, cohort, tag and host, all read from the
URL, so that a report can be bookmarked and shared with the program's other managers."""

import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from mentorcircle.accounts.http import AuthedRequest
from mentorcircle.core.pagination import paginate
from mentorcircle.groupsessions import report_chart
from mentorcircle.groupsessions.forms import ReportFilterForm
from mentorcircle.groupsessions.reports import (
    HOST_SORT_DEFAULT,
    HOST_SORTS,
    SESSION_SORT_DEFAULT,
    SESSION_SORTS,
    Sort,
    figures,
    host_rows,
    never_registered,
    reach,
    session_list,
    session_rows,
    timeline,
)
from mentorcircle.programs.models import Program
from mentorcircle.programs.views import manager_only_view

HOSTS_PER_PAGE = 10
SESSIONS_PER_PAGE = 20
PEOPLE_PER_PAGE = 20
# The URL parameters of the filters (the CSV downloads take the same).
FILTER_PARAMS = ("period", "start", "end", "cohort", "tag", "host")


@dataclass(frozen=True)
class Column:
    """A table's column heading; a sortable one links to the table sorted by it."""

    label: str
    href: str = ""
    sorted: str = ""  # "ascending" or "descending" when the table is sorted by this column
    numeric: bool = False


def _query(request: AuthedRequest, **changes: str | None) -> str:
    """The page's query string with `changes` made (None removes a parameter)."""
    query = request.GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return query.urlencode()


def _filter_query(form: ReportFilterForm) -> str:
    """The filters alone as a query string, the period named even when the URL left it out."""
    query = QueryDict(mutable=True)
    for name in FILTER_PARAMS:
        value = form.data.get(name)
        if value:
            query[name] = value
    return query.urlencode()


def _day(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


def _period_label(start: date | None, end: date | None) -> str:
    if start and end:
        return f"Sessions starting between {_day(start)} and {_day(end)}"
    if start:
        return f"Sessions starting on or after {_day(start)}"
    if end:
        return f"Sessions starting on or before {_day(end)}"
    return "All sessions since the program began"


# Column key -> (heading, numeric: right-aligned). Numbers and dates are first sorted descending.
HOST_COLUMNS = {
    "host": ("Host", False),
    "sessions": ("Sessions", True),
    "held": ("Held", True),
    "fill": ("Fill rate", True),
    "attendance": ("Attendance", True),
    "rating": ("Rating", True),
}
SESSION_COLUMNS = {
    "date": ("Date", False),
    "title": ("Title", False),
    "host": ("Host", False),
    "seats": ("Seats", True),
    "waitlist": ("Waitlist", True),
    "attended": ("Attended", True),
    "rating": ("Rating", True),
    "status": ("Status", False),
}
DESCENDING_FIRST = {
    "date",
    "sessions",
    "held",
    "fill",
    "attendance",
    "rating",
    "seats",
    "waitlist",
    "attended",
}


def _columns(
    request: AuthedRequest,
    headings: dict[str, tuple[str, bool]],
    sort: Sort,
    *,
    sortable: Collection[str],
    param: str,
    page_param: str,
    anchor: str,
) -> list[Column]:
    """The headings of a table; each sortable one links to the table sorted by it (the other
    way round when it already is), back on the table's first page and scrolled to the table
    (`anchor`, its section's id)."""
    columns = []
    for key, (label, numeric) in headings.items():
        if key not in sortable:
            columns.append(Column(label=label, numeric=numeric))
            continue
        if key == sort.key:
            value = key if sort.descending else f"-{key}"
            current = "descending" if sort.descending else "ascending"
        else:
            value, current = (f"-{key}" if key in DESCENDING_FIRST else key), ""
        href = f"?{_query(request, **{param: value, page_param: None})}#{anchor}"
        columns.append(Column(label=label, href=href, sorted=current, numeric=numeric))
    return columns


@manager_only_view
def reports(request: AuthedRequest, program: Program) -> HttpResponse:
    now = timezone.now()
    zone = zoneinfo.ZoneInfo(program.time_zone)
    today = timezone.localdate(now, timezone=zone)
    form = ReportFilterForm(request.GET, program=program)
    filters = form.filters(today=today)
    if form.errors:  # figures of other filters than those asked for could be taken for them
        return render(
            request,
            "groupsessions/manage_reports.html",
            {"program": program, "form": form, "nav_section": "reports"},
        )

    host_sort = Sort.parse(request.GET.get("hosts_sort"), keys=list(HOST_SORTS), default=HOST_SORT_DEFAULT)
    hosts, hosts_query = paginate(
        request, host_rows(filters, now=now, sort=host_sort), HOSTS_PER_PAGE, param="hosts_page"
    )
    session_sort = Sort.parse(
        request.GET.get("sessions_sort"), keys=list(SESSION_SORTS), default=SESSION_SORT_DEFAULT
    )
    sessions, sessions_query = paginate(
        request, session_list(filters, sort=session_sort), SESSIONS_PER_PAGE, param="sessions_page"
    )
    people, people_query = paginate(request, never_registered(filters), PEOPLE_PER_PAGE, param="people_page")
    everyone, cohorts, tags = reach(filters, now=now)
    filter_query = _filter_query(form)
    return render(
        request,
        "groupsessions/manage_reports.html",
        {
            "program": program,
            "form": form,
            "filters": filters,
            "today": today,
            "figures": figures(filters, now=now),
            "chart": report_chart.draw(timeline(filters, now=now, today=today)),
            "everyone": everyone,
            "reach_groups": [("By cohort", "Cohort", cohorts), ("By tag", "Tag", tags)],
            "hosts": hosts,
            "hosts_query": hosts_query,
            "host_columns": _columns(
                request,
                HOST_COLUMNS,
                host_sort,
                sortable=HOST_SORTS,
                param="hosts_sort",
                page_param="hosts_page",
                anchor="by-host",
            ),
            "sessions": sessions,
            "session_rows": session_rows(filters, sessions.object_list, now=now),
            "sessions_query": sessions_query,
            "session_columns": _columns(
                request,
                SESSION_COLUMNS,
                session_sort,
                sortable=SESSION_SORTS,
                param="sessions_sort",
                page_param="sessions_page",
                anchor="by-session",
            ),
            "people": people,
            "people_query": people_query,
            "filter_query": filter_query,
            "period_label": _period_label(filters.start, filters.end),
            "share_url": request.build_absolute_uri(f"{request.path}?{filter_query}"),
            "nav_section": "reports",
        },
    )
