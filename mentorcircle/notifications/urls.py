from django.urls import path

from mentorcircle.notifications import views

app_name = "notifications"
urlpatterns = [
    path("me/notifications/", views.preferences, name="preferences"),
    path("me/notifications/calendar-reset/", views.calendar_reset, name="calendar_reset"),
    path("me/notifications/read/", views.notices_read, name="notices_read"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
