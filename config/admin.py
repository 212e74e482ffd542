"""The admin site, for superusers only.

The admin shows every record, restricted people incidents included, and its
forms bypass the app's permission rules; so it is an administrator's tool, not
a way for staff to reach what `postmortems.permissions` keeps from them.
"""
from django.contrib.admin import AdminSite


class SuperuserAdminSite(AdminSite):
    site_header = "Debrief administration"
    site_title = "Debrief admin"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser
