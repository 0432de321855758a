"""When ratings and follow-ups are open: plain functions of a class, its settings and the clock.

Who may rate is the attendance record's business (present or late), not the class status.

* A session may be rated from its start (date + start time, local time) until the rating
  window closes.
* The class may be rated from its last day (end_date, 00:00) until the rating window closes.
* The rating window closes at the end of day `end_date + rating_window_days` (default 14):
  with a class ending on Friday 6 March, ratings are accepted until 20 March 23:59:59.
* The L3 follow-up opens on `end_date + followup_after_days` (default 90) and is due
  `followup_answer_days` (default 30) later; unanswered after the due date it is overdue.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ganxun.classes.models import ClassStatus, Session, TrainingClass
from ganxun.evaluation.models import EvaluationSettings

# Follow-ups are asked about classes that are over and closed (结业).
FOLLOWUP_CLASS_STATUSES = (ClassStatus.CLOSED, ClassStatus.ARCHIVED)


def settings_of(training_class: TrainingClass) -> EvaluationSettings:
    """The class's settings row, or an unsaved one holding the defaults."""
    try:
        return training_class.evaluation_settings
    except EvaluationSettings.DoesNotExist:
        return EvaluationSettings(training_class=training_class)


def _aware(day: dt.date, time: dt.time = dt.time(0)) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def session_opens_at(session: Session) -> dt.datetime:
    return _aware(session.date, session.start_time)


def class_rating_opens_at(training_class: TrainingClass) -> dt.datetime:
    return _aware(training_class.end_date)


def ratings_close_at(training_class: TrainingClass, settings: EvaluationSettings | None = None) -> dt.datetime:
    """First instant at which ratings are no longer accepted (exclusive)."""
    settings = settings or settings_of(training_class)
    return _aware(training_class.end_date + dt.timedelta(days=settings.rating_window_days + 1))


def last_rating_day(training_class: TrainingClass, settings: EvaluationSettings | None = None) -> dt.date:
    settings = settings or settings_of(training_class)
    return training_class.end_date + dt.timedelta(days=settings.rating_window_days)


def session_open(session: Session, training_class: TrainingClass, settings: EvaluationSettings | None = None,
                 now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return session_opens_at(session) <= now < ratings_close_at(training_class, settings)


def class_rating_open(training_class: TrainingClass, settings: EvaluationSettings | None = None,
                      now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return class_rating_opens_at(training_class) <= now < ratings_close_at(training_class, settings)


def followup_dates(training_class: TrainingClass, settings: EvaluationSettings | None = None) -> tuple[dt.date, dt.date]:
    """(opens_on, due_on) of the class's follow-ups."""
    settings = settings or settings_of(training_class)
    opens_on = training_class.end_date + dt.timedelta(days=settings.followup_after_days)
    return opens_on, opens_on + dt.timedelta(days=settings.followup_answer_days)
