"""Recipes of the API contract test for online learning (see ganxun/api/tests/contract.py)."""

from __future__ import annotations

from ganxun.api.tests.contract import Recipe
from ganxun.learning import services
from ganxun.learning.tests.helpers import make_course
from ganxun.testing import with_role


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    def a_course() -> dict:
        return {"course_id": make_course(cast).pk}

    def a_session() -> dict:
        course = make_course(cast)
        session = services.study_launch(actor=with_role(cast.carol), course=course)
        foreign = services.study_launch(actor=with_role(cast.carol), course=course)
        return {"token": session.token, "foreign": foreign.token + "x"}

    def heartbeat(ids):
        return {"token": ids["token"], "seq": 1, "position": 0, "rate": 1, "visible": True}

    return {
        ("get", "/courses"): Recipe(cast.carol, outsider=403),
        ("get", "/courses/{course_id}"): Recipe(cast.carol, ids=a_course, outsider=403),
        ("get", "/me/courses"): Recipe(cast.carol, outsider=403),
        ("post", "/courses/{course_id}/launch"): Recipe(cast.carol, ids=a_course, outsider=403),
        ("post", "/study/heartbeat"): Recipe(cast.carol, heartbeat, ids=a_session, outsider=403,
                                             foreign_body=lambda ids: {**heartbeat(ids), "token": ids["foreign"]}),
    }
