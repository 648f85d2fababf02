from django.urls import path

from mentorcircle.core import ids  # noqa: F401 - registers the <id:…> converter
from mentorcircle.programs import views

# The Manager dashboard's program pages; mentorcircle/urls.py adds its session pages.
urlpatterns = [
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/add/", views.member_add, name="member_add"),
    path("<slug:slug>/members/import/", views.members_import, name="members_import"),
    path("<slug:slug>/members/history/", views.member_changes, name="member_changes"),
    path("<slug:slug>/members/<id:membership_id>/", views.member, name="member"),
    path("<slug:slug>/program/", views.program_settings, name="settings"),
]
