from django.urls import path

from mentorcircle.groupsessions import views as session_views
from mentorcircle.programs import views

app_name = "manage"
urlpatterns = [
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/add/", views.member_add, name="member_add"),
    path("<slug:slug>/members/import/", views.members_import, name="members_import"),
    path("<slug:slug>/program/", views.program_settings, name="settings"),
    path("<slug:slug>/sessions/", session_views.manager_sessions, name="sessions"),
    path("<slug:slug>/sessions/new/", session_views.manager_session_create, name="session_create"),
]
