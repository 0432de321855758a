from django.apps import AppConfig


class TopicsConfig(AppConfig):
    name = "ganxun.topics"
    label = "topics"
    verbose_name = "培训内容分类"
