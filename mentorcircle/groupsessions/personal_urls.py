from django.urls import path

from mentorcircle.groupsessions import views

app_name = "personal"
urlpatterns = [
    path("sessions/", views.personal_sessions, name="sessions"),
    path("sessions/new/", views.personal_session_create, name="session_create"),
]
