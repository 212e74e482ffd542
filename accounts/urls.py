from django.urls import path

from accounts.views import audit, invitations, organisation, teams
from accounts.views import safety

app_name = "accounts"
urlpatterns = [
    path("organisation/", organisation.organisation_page, name="organisation"),
    path("organisation/teams/", organisation.team_create, name="team-create"),
    path("organisation/people/<int:pk>/active/", organisation.person_active, name="person-active"),
    path("organisation/people/<int:pk>/org-admin/", organisation.person_org_admin, name="person-org-admin"),
    path("organisation/audit/", audit.audit_log, name="audit"),
    path("organisation/audit/export.csv", audit.audit_csv, name="audit-csv"),
    path("teams/", teams.team_list, name="teams"),
    path("teams/<slug:slug>/", teams.team_page, name="team"),
    path("teams/<slug:slug>/invite/", teams.team_invite, name="team-invite"),
    path("teams/<slug:slug>/members/", teams.member_add, name="member-add"),
    path("teams/<slug:slug>/members/<int:pk>/role/", teams.member_role, name="member-role"),
    path("teams/<slug:slug>/members/<int:pk>/remove/", teams.member_remove, name="member-remove"),
    path("teams/<slug:slug>/default-viewers/", teams.default_viewers, name="default-viewers"),
    path("teams/<slug:slug>/invitations/<int:pk>/resend/", teams.invitation_resend, name="invitation-resend"),
    path("teams/<slug:slug>/invitations/<int:pk>/revoke/", teams.invitation_revoke, name="invitation-revoke"),
    path("invitations/<str:token>/", invitations.invitation_page, name="invitation"),
    # Account safety: sign-in code, passwords, two-factor, sessions, lockouts.
    path("accounts/login/code/", safety.two_factor_verify, name="two-factor-verify"),
    path("accounts/password/change/", safety.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/password/reset/", safety.PasswordResetView.as_view(), name="password-reset"),
    path("accounts/password/reset/sent/", safety.auth_views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path("accounts/password/reset/<uidb64>/<token>/", safety.PasswordResetConfirmView.as_view(),
         name="password-reset-confirm"),
    path("accounts/password/reset/done/", safety.auth_views.PasswordResetCompleteView.as_view(),
         name="password-reset-complete"),
    path("accounts/two-factor/", safety.two_factor_page, name="two-factor"),
    path("accounts/sign-out-everywhere/", safety.sign_out_everywhere, name="sign-out-everywhere"),
    path("organisation/locks/", safety.locks_page, name="locks"),
    path("organisation/locks/unlock/", safety.unlock, name="unlock"),
    path("organisation/two-factor/", safety.two_factor_policy, name="two-factor-policy"),
]
