from django.urls import path

from nearmisses import views

app_name = "nearmisses"
urlpatterns = [
    path("", views.near_miss_list, name="list"),
    path("report/", views.report, name="report"),
    path("report/thanks/", views.thanks, name="thanks"),
    path("mine/", views.my_reports, name="mine"),
    path("<uuid:pk>/", views.near_miss_detail, name="detail"),
    path("<uuid:pk>/acknowledge/", views.near_miss_acknowledge, name="acknowledge"),
    path("<uuid:pk>/dismiss/", views.near_miss_dismiss, name="dismiss"),
    path("<uuid:pk>/promote/", views.near_miss_promote, name="promote"),
]
