from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ganxun.accounts"
    label = "accounts"
    verbose_name = "账号管理"
