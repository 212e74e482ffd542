"""Top-level URLs: the apps, accounts and the admin."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("feedback/", include("blamefeedback.urls")),
    path("", include("postmortems.urls")),
]

handler500 = "config.errors.server_error"
