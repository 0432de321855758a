"""Recipes of the API contract test for the evaluation and rectification
(see ganxun/api/tests/contract.py)."""

from __future__ import annotations

from ganxun.api.tests.contract import Recipe
from ganxun.evaluation.models import FollowUp
from ganxun.evaluation.rectifications import rectification_create
from ganxun.evaluation.services import followups_materialise
from ganxun.evaluation.tests.factories import past_class
from ganxun.testing import make_class, with_role


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    def a_session() -> dict:
        return {"session_id": past_class(cast, attendees=1).sessions[0].pk}

    def a_class() -> dict:
        return {"class_id": past_class(cast, attendees=1).training_class.pk}

    def a_followup() -> dict:
        scenario = past_class(cast, ended_days_ago=100, attendees=1)
        followups_materialise()
        return {"followup_id": FollowUp.objects.get(enrollment=scenario.carol).pk}

    def an_item() -> dict:
        scenario = past_class(cast, attendees=1)
        item = rectification_create(actor=with_role(cast.alice), training_class=scenario.training_class,
                                    title="教室空调故障")
        return {"item_id": item.pk, "class_id": scenario.training_class.pk}

    class_b = make_class(cast.party_school, title="西山县班", organiser=cast.county_b)
    new_item = lambda ids: {"class_id": ids["class_id"], "title": "课程案例需更新"}  # noqa: E731

    return {
        ("get", "/evaluation/to-rate"): Recipe(cast.carol, outsider=403),
        ("post", "/evaluation/sessions/{session_id}/rating"): Recipe(
            cast.carol, {"content": 5, "teaching": 4, "comment": "很好"}, ids=a_session, outsider=403),
        ("post", "/evaluation/classes/{class_id}/rating"): Recipe(
            cast.carol, {"content": 5, "organisation": 4, "logistics": 3}, ids=a_class, outsider=403),
        ("get", "/evaluation/classes/{class_id}/summary"): Recipe(cast.ivan, ids=a_class),
        ("get", "/evaluation/teacher-rankings"): Recipe(cast.alice, outsider=200),
        ("get", "/evaluation/course-rankings"): Recipe(cast.alice, outsider=200),
        ("get", "/evaluation/my-ratings"): Recipe(cast.tom, outsider=403),
        ("get", "/evaluation/followups"): Recipe(cast.bob, outsider=403),
        ("post", "/evaluation/followups/{followup_id}/answer"): Recipe(
            cast.bob, {"applies": 4, "performance": 3}, ids=a_followup, outsider=403),
        ("get", "/rectifications"): Recipe(cast.alice, outsider=200),
        ("get", "/rectifications/{item_id}"): Recipe(cast.alice, ids=an_item),
        ("post", "/rectifications"): Recipe(cast.alice, new_item, {"class_id": class_b.pk, "title": "越权"},
                                            ids=a_class),
        ("patch", "/rectifications/{item_id}"): Recipe(cast.alice, {"note": "已督促培训机构"}, ids=an_item),
    }
