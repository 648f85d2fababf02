from django.urls import path

from mentorcircle.groupsessions import views

app_name = "groupsessions"
urlpatterns = [
    path("sessions/<int:pk>/", views.session_detail, name="detail"),
    path("sessions/<int:pk>/join/", views.session_join, name="join"),
    path("sessions/<int:pk>/leave/", views.session_leave, name="leave"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="edit"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="cancel"),
    path("sessions/<int:pk>/decline/", views.session_decline, name="decline"),
    path("sessions/<int:pk>/invite/", views.session_invite, name="invite"),
    path("sessions/<int:pk>/calendar.ics", views.session_calendar, name="calendar"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="attendance"),
    path("sessions/<int:pk>/resources/", views.session_resources, name="resources"),
    path("sessions/<int:pk>/feedback/", views.session_feedback, name="feedback"),
    path("rsvp/<str:token>/", views.rsvp, name="rsvp"),
    path("join/<str:token>/", views.join_call, name="join_call"),
    path("feedback/<str:token>/", views.feedback_link, name="feedback_link"),
    path("calls/<str:token>/ended/", views.call_ended, name="call_ended"),
    path("calls/<str:token>/analytics/", views.call_analytics, name="call_analytics"),
    path("sessions/suggest/", views.member_suggest, name="member_suggest"),
]
