"""Data of the browser learning walk (test_learning_walk.py), run in the server's environment:

    DJANGO_SETTINGS_MODULE=ganxun.settings GANXUN_VAR_DIR=… python tests/browser/learning_walk_data.py setup

``setup`` builds, through the real services, the persona cast (``ganxun.testing.build_cast``:
carol a cadre of unit A1 in county A, alice the admin of county A's org department) and a
published one-minute *document* course (a PDF) of county A's org department, with a course
test of three questions (single choice, multiple choice, true/false), all drawn, pass mark 60.
It prints one JSON object on its last line: the log-in, the course, a word of its title to
search by, the questions with the text of their correct choices, and the hours the default
conversion rule (migration learning 0002) gives for the course and for passing its test.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ganxun.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

COURSE_TITLE = "基层治理数字化转型专题讲座"
SEARCH_WORD = "数字化"  # a word of the title (jieba segments the title into 基层/治理/数字化/转型/专题讲座…)
COURSE_MINUTES = 1
QUESTIONS = [
    {"kind": "single", "stem": "推进基层治理数字化，首先要坚持什么？",
     "options": ["以技术为中心", "以人民为中心", "以考核为中心"], "answer": ["B"]},
    {"kind": "multiple", "stem": "下列哪些属于基层治理数字化转型的常用做法？",
     "options": ["一网通办", "一网统管", "纸质台账层层报送"], "answer": ["A", "B"]},
    {"kind": "true_false", "stem": "数字化转型可以完全取代干部走访群众。", "options": [], "answer": ["false"]},
]


# The walk takes a few minutes; the home card counts this calendar year's hours.
MINUTES_BEFORE_NEW_YEAR = 5


def _wait_out_the_year() -> None:
    """If the year ends within a few minutes, wait until it has ended (the hours are dated by
    the local day of completion and the learner home shows the current year's)."""
    now = timezone.localtime()
    new_year = now.replace(year=now.year + 1, month=1, day=1, hour=0, minute=0, second=1, microsecond=0)
    if new_year - now < dt.timedelta(minutes=MINUTES_BEFORE_NEW_YEAR):
        time.sleep((new_year - now).total_seconds())


def _choice_texts(question: dict) -> list[str]:
    """The labels of the correct choices as the test page shows them."""
    from ganxun.coursework.models import OPTION_KEYS, TRUE_FALSE_LABELS

    if question["kind"] == "true_false":
        return [TRUE_FALSE_LABELS[key] for key in question["answer"]]
    return [question["options"][OPTION_KEYS.index(key)] for key in question["answer"]]


def setup() -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ganxun.coursework import services as coursework_services
    from ganxun.learning import services as learning_services
    from ganxun.learning.conversion import credit_hours_for, rule_in_force
    from ganxun.learning.tests.helpers import pdf_bytes
    from ganxun.testing import PASSWORD, build_cast, with_role

    _wait_out_the_year()
    cast = build_cast()
    alice = with_role(cast.alice)
    course = learning_services.course_create(
        actor=alice, owner=cast.org_dept_a, title=COURSE_TITLE, kind="document", duration_minutes=COURSE_MINUTES,
        summary="结合东城区“一网通办”“一网统管”实践，讲解基层治理数字化转型的路径与方法。")
    learning_services.media_upload(actor=alice, course=course, upload=SimpleUploadedFile(
        "讲义.pdf", pdf_bytes(), content_type="application/pdf"))
    learning_services.course_publish(actor=alice, course=course)
    questions = []
    for item in QUESTIONS:
        question = coursework_services.question_create(actor=alice, course=course, kind=item["kind"],
                                                       stem=item["stem"], options=item["options"],
                                                       answer=item["answer"])
        questions.append({"id": question.pk, "stem": question.stem, "correct": _choice_texts(item)})
    coursework_services.course_test_configure(actor=alice, course=course, draw_count=len(QUESTIONS),
                                              time_limit_minutes=10, pass_mark=60, max_attempts=3, is_open=True)
    today = timezone.localdate()
    return {
        "password": PASSWORD, "cadre": cast.carol.username, "course_id": course.pk, "course_title": course.title,
        "search_word": SEARCH_WORD, "questions": questions,
        "required_seconds": learning_services.required_seconds(course, learning_services.current_media(course)),
        "course_hours": str(credit_hours_for(duration_minutes=COURSE_MINUTES, on=today)),
        "test_bonus_hours": str(rule_in_force(on=today).test_bonus_hours),
    }


STEPS = {"setup": setup}

if __name__ == "__main__":
    print(json.dumps(STEPS[sys.argv[1]](), ensure_ascii=False))
