from django.urls import path

from meetings import views

app_name = "meetings"
urlpatterns = [
    path("postmortems/<int:pk>/meeting/new/", views.meeting_propose, name="propose"),
    path("meetings/<int:pk>/edit/", views.meeting_update, name="update"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
]
