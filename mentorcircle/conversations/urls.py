from django.urls import path

from mentorcircle.conversations import views
from mentorcircle.core import ids  # noqa: F401 - registers the <id:…> converter

app_name = "conversations"
urlpatterns = [
    path("me/messages/", views.inbox, name="inbox"),
    path("me/messages/new/", views.new, name="new"),
    path("me/messages/suggest/", views.suggest, name="suggest"),
    path("me/messages/blocked/", views.blocked, name="blocked"),
    path("me/messages/block/<id:user_pk>/", views.block, name="block"),
    path("me/messages/unblock/<id:user_pk>/", views.unblock, name="unblock"),
    path("messages/<id:pk>/", views.detail, name="detail"),
    path("messages/<id:pk>/reply/", views.reply, name="reply"),
    path("messages/<id:pk>/poll/", views.poll, name="poll"),
    path("messages/<id:pk>/mute/", views.mute, name="mute"),
    path("messages/<id:pk>/leave/", views.leave, name="leave"),
    path("messages/<id:pk>/<id:message_pk>/report/", views.report, name="report"),
    path("messages/<id:pk>/<id:message_pk>/remove/", views.remove, name="remove"),
    path("messages/<id:pk>/<id:message_pk>/keep/", views.keep, name="keep"),
    path("sessions/<id:pk>/conversation/", views.for_session, name="for_session"),
    path("sessions/<id:pk>/share/", views.share, name="share"),
]
