from django.urls import path

from mentorcircle.programs import views

app_name = "programs"
urlpatterns = [
    path("<slug:slug>/join/", views.program_join, name="join"),
]
