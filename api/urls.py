from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import token_views, views

app_name = "api"

urlpatterns = [
    path("settings/api-tokens/", token_views.token_list, name="tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", token_views.token_revoke, name="token-revoke"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Our own page around Swagger UI: a language for screen readers and readable contrast.
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
         name="docs"),
    path("api/v1/postmortems/", views.PostMortemList.as_view(), name="postmortem-list"),
    path("api/v1/postmortems/<int:pk>/", views.PostMortemDetail.as_view(), name="postmortem-detail"),
    path("api/v1/action-items/", views.ActionItemList.as_view(), name="actionitem-list"),
    path("api/v1/action-items/<int:pk>/", views.ActionItemDetail.as_view(), name="actionitem-detail"),
    path("api/v1/themes/", views.ThemeList.as_view(), name="theme-list"),
    path("api/v1/teams/", views.TeamList.as_view(), name="team-list"),
    path("api/v1/blame-check/", views.BlameCheck.as_view(), name="blame-check"),
    # Anything else under /api/v1/ (a negative or non-numeric id too) is a JSON 404, not the HTML page.
    re_path(r"^api/v1/", views.not_found),
]
