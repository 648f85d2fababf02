from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from mentorcircle.core import views as core_views
from mentorcircle.groupsessions import views as session_views
from mentorcircle.programs import manage_urls

# The Manager dashboard spans two apps: programs' pages (members, settings) and the program's
# sessions. Composed here, at the top, so that neither app imports the other's views.
manage = (
    [
        *manage_urls.urlpatterns,
        path("<slug:slug>/sessions/", session_views.manager_sessions, name="sessions"),
        path("<slug:slug>/sessions/new/", session_views.manager_session_create, name="session_create"),
    ],
    "manage",
)

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("mentorcircle.groupsessions.personal_urls")),
    path("", include("mentorcircle.groupsessions.urls")),
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
