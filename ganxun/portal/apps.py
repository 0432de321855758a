from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ganxun.portal"
    label = "portal"
    verbose_name = "门户"
