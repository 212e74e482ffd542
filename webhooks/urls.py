from django.urls import path

from webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("teams/<slug:slug>/webhooks/", views.endpoint_list, name="list"),
    path("teams/<slug:slug>/webhooks/new/", views.endpoint_create, name="create"),
    path("teams/<slug:slug>/webhooks/<int:pk>/", views.endpoint_edit, name="edit"),
    path("teams/<slug:slug>/webhooks/<int:pk>/delete/", views.endpoint_delete, name="delete"),
    path("teams/<slug:slug>/webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="rotate"),
    path("teams/<slug:slug>/webhooks/<int:pk>/deliveries/", views.delivery_log, name="deliveries"),
    path("teams/<slug:slug>/webhooks/<int:pk>/deliveries/<int:delivery_pk>/resend/", views.delivery_resend,
         name="resend"),
]
