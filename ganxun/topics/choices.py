"""Enumerations of training content shared by plans and classes."""

from django.db import models


class TrainingType(models.TextChoices):
    """培训类型: the six types of training of Art. 13 of the 《干部教育培训工作条例》."""

    THEORY = "theory", "党的理论教育和党性教育专题培训"
    ROTATION = "rotation", "重大决策部署集中轮训"
    INITIAL = "initial", "初任培训"
    APPOINTMENT = "appointment", "任职培训"
    IN_SERVICE = "in_service", "在职培训"
    OTHER = "other", "其他"
