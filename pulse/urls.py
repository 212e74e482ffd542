from django.urls import path

from pulse import views

app_name = "pulse"
urlpatterns = [
    path("pulse/", views.index, name="index"),
    path("pulse/answer/", views.answer_link, name="answer-link"),
    path("pulse/<slug:slug>/", views.team_results, name="team"),
    path("pulse/<slug:slug>/answer/", views.answer_in_app, name="answer"),
    path("pulse/<slug:slug>/questions/", views.edit_questions, name="questions"),
    path("pulse/<slug:slug>/settings/", views.edit_settings, name="settings"),
    path("pulse/<slug:slug>/export.csv", views.export_csv, name="export"),
    path("pulse/<slug:slug>/<str:start>/", views.period_results, name="period"),
]
