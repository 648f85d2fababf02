from django.urls import path

from mentorcircle.accounts import views
from mentorcircle.core import ids  # noqa: F401 - registers the <id:…> converter

app_name = "accounts"
urlpatterns = [
    path("people/<id:pk>/", views.profile, name="profile"),
    path("me/settings/", views.profile_settings, name="settings"),
]
