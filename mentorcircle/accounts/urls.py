from django.urls import path

from mentorcircle.accounts import views

app_name = "accounts"
urlpatterns = [
    path("me/settings/", views.profile_settings, name="settings"),
    path("me/time-zone/use/", views.timezone_use, name="timezone_use"),
    path("me/time-zone/keep/", views.timezone_keep, name="timezone_keep"),
]
