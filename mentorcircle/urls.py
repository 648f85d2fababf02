from django.contrib import admin
from django.urls import include, path

from mentorcircle.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("mentorcircle.groupsessions.personal_urls")),
    path("", include("mentorcircle.groupsessions.urls")),
    path("", include("mentorcircle.notifications.urls")),
    path("", include("mentorcircle.accounts.urls")),
    path("programs/", include("mentorcircle.programs.urls")),
    path("manage/", include("mentorcircle.programs.manage_urls")),
    path("admin/", admin.site.urls),
]
