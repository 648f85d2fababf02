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
    path("rsvp/<str:token>/", views.rsvp, name="rsvp"),
    path("sessions/suggest/", views.member_suggest, name="member_suggest"),
]
