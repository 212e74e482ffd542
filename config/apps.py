from django.contrib.admin.apps import AdminConfig


class DebriefAdminConfig(AdminConfig):
    default_site = "config.admin.SuperuserAdminSite"
