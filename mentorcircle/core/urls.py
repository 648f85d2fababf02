from django.urls import path

from mentorcircle.core import views

app_name = "personal"
urlpatterns = [
    path("sessions/", views.personal_sessions, name="sessions"),
]
