from django.urls import path

from inbound import trackers, views

app_name = "inbound"

urlpatterns = [
    path("alerts/<str:token>/", views.alert_webhook, name="alerts"),
    path("trackers/github/", views.tracker_webhook, {"tracker": trackers.GITHUB}, name="github"),
    path("trackers/gitlab/", views.tracker_webhook, {"tracker": trackers.GITLAB}, name="gitlab"),
    path("trackers/jira/", views.tracker_webhook, {"tracker": trackers.JIRA}, name="jira"),
    path("teams/<slug:slug>/alerts/", views.team_alerts, name="team-alerts"),
    path("teams/<slug:slug>/alerts/rotate/", views.rotate_token, name="rotate-token"),
    path("teams/<slug:slug>/alerts/secret/", views.set_signing_secret, name="signing-secret"),
    path("actions/<int:pk>/tracker-link/", views.tracker_link, name="tracker-link"),
]
