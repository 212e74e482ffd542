from django.urls import path

from postmortems.views import accounts, postmortems, revisions, themes
from postmortems.views import actions
from postmortems.views import trends
from postmortems.views import digests
from postmortems.views import documents

app_name = "postmortems"
urlpatterns = [
    path("", postmortems.postmortem_list, name="list"),
    path("postmortems/new/", postmortems.postmortem_create, name="create"),
    path("postmortems/<int:pk>/", postmortems.postmortem_detail, name="detail"),
    path("postmortems/<int:pk>/edit/", postmortems.postmortem_edit, name="edit"),
    # Downloads (issue 13): restricted exactly like the page.
    path("postmortems/export.zip", documents.postmortem_zip, name="export-zip"),
    path("postmortems/<int:pk>/export.md", documents.postmortem_markdown, name="export-markdown"),
    path("postmortems/<int:pk>/export.pdf", documents.postmortem_pdf, name="export-pdf"),
    path("postmortems/<int:pk>/status/", postmortems.postmortem_status, name="status"),
    path("postmortems/<int:pk>/revisions/<int:version>/", revisions.revision_detail, name="revision"),
    path("postmortems/<int:pk>/revisions/<int:version>/restore/", revisions.revision_restore, name="revision-restore"),
    path("preview/", postmortems.markdown_preview, name="preview"),
    path("blame-check/", postmortems.blame_check, name="blame-check"),
    path("action-check/", postmortems.action_item_check, name="action-check"),
    path("themes/", themes.theme_list, name="themes"),
    path("settings/", accounts.settings_page, name="settings"),
    path("themes/<slug:team_slug>/new/", themes.theme_create, name="theme-create"),
    path("actions/", actions.action_dashboard, name="actions"),
    path("actions/export.csv", actions.action_csv, name="actions-csv"),
    path("actions/summary/", actions.action_summary, name="actions-summary"),
    path("actions/mine/", actions.my_actions, name="my-actions"),
    path("actions/mine/export.csv", actions.my_actions_csv, name="my-actions-csv"),
    path("actions/mine/summary/", actions.my_action_summary, name="my-actions-summary"),
    path("actions/<int:pk>/", actions.action_detail, name="action-detail"),
    path("actions/<int:pk>/done/", actions.action_mark_done, name="action-done"),
    path("actions/<int:pk>/due-date/", actions.action_change_due_date, name="action-due-date"),
    path("actions/<int:pk>/owner/", actions.action_reassign, name="action-owner"),
    path("trends/", trends.trends_dashboard, name="trends"),
    # Weekly digest: the preview, and unsubscribe links that need no login.
    path("digest/", digests.digest_preview, name="digest"),
    path("digest/unsubscribe/<str:token>/", digests.digest_unsubscribe, name="digest-unsubscribe"),
    path("digest/unsubscribe/<str:token>/one-click/", digests.digest_unsubscribe_one_click,
         name="digest-unsubscribe-one-click"),
]
