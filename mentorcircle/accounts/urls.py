from django.urls import path

from mentorcircle.accounts import views

app_name = "accounts"
urlpatterns = [
    path("people/<int:pk>/", views.profile, name="profile"),
    path("me/settings/", views.profile_settings, name="settings"),
]
