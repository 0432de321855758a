"""xAPI statements of study: launched, progressed (throttled), completed — stored once each."""

from __future__ import annotations

import json

from ganxun.learning import statements
from ganxun.learning.models import StudyProgress
from ganxun.learning.tests.helpers import Player, make_course
from ganxun.lrs.keys import verb_key
from ganxun.lrs.models import XapiStatement


def _verbs():
    return [json.loads(s.body)["verb"]["id"].rsplit("/", 1)[1] for s in XapiStatement.objects.order_by("timestamp", "id")]


def test_study_emits_launched_progressed_at_most_every_few_minutes_and_completed(cast, settings):
    settings.GANXUN_STUDY_PROGRESS_STATEMENT_MINUTES = 1
    course = make_course(cast, minutes=10, video_seconds=200)
    player = Player(cast.carol, course)
    player.play(6)  # 180 s of 200: completes at the 6th heartbeat
    assert _verbs() == ["launched", "progressed", "progressed", "progressed", "completed"]  # at 30, 90, 150 s
    completed = json.loads(XapiStatement.objects.get(verb_key=verb_key(statements.VERBS["completed"][0])).body)
    assert completed["result"]["duration"] == "PT180S" and completed["result"]["completion"] is True
    assert completed["object"]["id"] == f"http://127.0.0.1:8000/xapi/activities/course/{course.pk}"
    progress = StudyProgress.objects.get(account=cast.carol)
    assert completed["id"] == statements.statement_id("completed", progress.pk)


def test_a_statement_emitted_again_is_stored_once(cast):
    course = make_course(cast)
    player = Player(cast.carol, course)
    progress = StudyProgress.objects.get(account=cast.carol)
    assert statements.emit(statements.launched, session=player.session, progress=progress)
    assert XapiStatement.objects.count() == 1
