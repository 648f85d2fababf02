from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from mentorcircle.conversations import views as conversation_views
from mentorcircle.core import views as core_views
from mentorcircle.groupsessions import export_views, member_views, report_views
from mentorcircle.groupsessions import views as session_views
from mentorcircle.programs import manage_urls

# The Manager dashboard spans two apps: programs' pages (members, settings) and the program's
# sessions. Composed here, at the top, so that neither app imports the other's views.
manage = (
    [
        *manage_urls.urlpatterns,
        path("<slug:slug>/sessions/", session_views.manager_sessions, name="sessions"),
        path("<slug:slug>/sessions/new/", session_views.manager_session_create, name="session_create"),
        # Manager > Members actions that give up places in the program's sessions.
        path("<slug:slug>/members/bulk/", member_views.members_bulk, name="members_bulk"),
        path("<slug:slug>/members/remove/", member_views.members_remove, name="members_remove"),
        path(
            "<slug:slug>/members/<id:membership_id>/remove/",
            member_views.member_remove,
            name="member_remove",
        ),
        path("<slug:slug>/reported-messages/", conversation_views.reported, name="reported_messages"),
        path("<slug:slug>/reports/", report_views.reports, name="reports"),
        path("<slug:slug>/reports/sessions.csv", export_views.export_sessions, name="export_sessions"),
        path(
            "<slug:slug>/reports/participants.csv",
            export_views.export_participants,
            name="export_participants",
        ),
        path("<slug:slug>/reports/members.csv", export_views.export_members, name="export_members"),
    ],
    "manage",
)

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("mentorcircle.groupsessions.personal_urls")),
    path("", include("mentorcircle.groupsessions.urls")),
    path("", include("mentorcircle.conversations.urls")),
    path("", include("mentorcircle.notifications.urls")),
    path("", include("mentorcircle.accounts.urls")),
    path("programs/", include("mentorcircle.programs.urls")),
    path("manage/", include(manage)),
    path("admin/", admin.site.urls),
]

if settings.BENCHMARK_MODE:  # the benchmark's baselines (bench/harness.py), never otherwise
    from mentorcircle.core import bench_views

    urlpatterns += [
        path("bench/bare/", bench_views.bare, name="bench_bare"),
        path("bench/insert/", bench_views.insert, name="bench_insert"),
    ]

# A refused page says why and where to go instead (core.refusals.Refused).
handler403 = core_views.permission_denied
