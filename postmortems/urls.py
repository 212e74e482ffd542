from django.urls import path

from postmortems.views import accounts, postmortems, revisions, themes

app_name = "postmortems"
urlpatterns = [
    path("", postmortems.postmortem_list, name="list"),
    path("postmortems/new/", postmortems.postmortem_create, name="create"),
    path("postmortems/<int:pk>/", postmortems.postmortem_detail, name="detail"),
    path("postmortems/<int:pk>/edit/", postmortems.postmortem_edit, name="edit"),
    path("postmortems/<int:pk>/status/", postmortems.postmortem_status, name="status"),
    path("postmortems/<int:pk>/revisions/<int:version>/", revisions.revision_detail, name="revision"),
    path("postmortems/<int:pk>/revisions/<int:version>/restore/", revisions.revision_restore, name="revision-restore"),
    path("preview/", postmortems.markdown_preview, name="preview"),
    path("themes/", themes.theme_list, name="themes"),
    path("settings/", accounts.settings_page, name="settings"),
    path("themes/<slug:team_slug>/new/", themes.theme_create, name="theme-create"),
]
