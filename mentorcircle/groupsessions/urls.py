from django.urls import path

from mentorcircle.core import ids  # noqa: F401 - registers the <id:…> converter
from mentorcircle.groupsessions import views

app_name = "groupsessions"
urlpatterns = [
    path("sessions/<id:pk>/", views.session_detail, name="detail"),
    path("sessions/<id:pk>/join/", views.session_join, name="join"),
    path("sessions/<id:pk>/leave/", views.session_leave, name="leave"),
    path("sessions/<id:pk>/edit/", views.session_edit, name="edit"),
    path("sessions/<id:pk>/cancel/", views.session_cancel, name="cancel"),
    path("sessions/<id:pk>/decline/", views.session_decline, name="decline"),
    path("sessions/<id:pk>/invite/", views.session_invite, name="invite"),
    path("sessions/<id:pk>/invite/check/", views.session_invite_check, name="invite_check"),
    path("sessions/<id:pk>/calendar.ics", views.session_calendar, name="calendar"),
    path("sessions/<id:pk>/attendance/", views.session_attendance, name="attendance"),
    path("sessions/<id:pk>/resources/", views.session_resources, name="resources"),
    path("sessions/<id:pk>/feedback/", views.session_feedback, name="feedback"),
    path("rsvp/<str:token>/", views.rsvp, name="rsvp"),
    path("join/<str:token>/", views.join_call, name="join_call"),
    path("feedback/<str:token>/", views.feedback_link, name="feedback_link"),
    path("calls/<str:token>/ended/", views.call_ended, name="call_ended"),
    path("calls/<str:token>/analytics/", views.call_analytics, name="call_analytics"),
    path("sessions/suggest/", views.member_suggest, name="member_suggest"),
    path("people/<id:pk>/", views.profile, name="profile"),
    path("programs/<slug:slug>/", views.program_detail, name="program"),
    path("programs/<slug:slug>/leave/", views.program_leave, name="program_leave"),
]
