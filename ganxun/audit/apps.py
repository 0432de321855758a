from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ganxun.audit"
    label = "audit"
    verbose_name = "审计"
