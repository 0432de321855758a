"""Recipes of the API contract test for assessment and closing (see ganxun/api/tests/contract.py)."""

from __future__ import annotations

from ganxun.api.tests.contract import Recipe
from ganxun.assessment.models import Reflection
from ganxun.assessment.tests.builders import attend, enroll, ran_class, reflection_text
from ganxun.classes.models import TrainingClass
from ganxun.testing import make_class, make_enrollment


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    hannah, carol = cast.hannah, cast.carol

    def a_class() -> dict:
        training_class, sessions = ran_class(cast, title="考核接口班")
        enrollment, = enroll(training_class, [cast.cadres_a[1]])
        attend(enrollment, sessions)
        return {"class_id": training_class.pk, "enrollment_id": enrollment.pk}

    def a_reflection() -> dict:
        ids = a_class()
        reflection = Reflection.objects.create(enrollment_id=ids["enrollment_id"], text=reflection_text())
        return {"reflection_id": reflection.pk}

    def carols_class() -> dict:
        training_class, _ = ran_class(cast, title="卡萝的班")
        enrollment, = enroll(training_class, [cast.carol_cadre])
        Reflection.objects.create(enrollment=enrollment, text=reflection_text(), title="初稿")
        return {"class_id": training_class.pk}

    def elsewhere() -> int:
        other = make_class(cast.party_school, status="running", title="别的班")
        return make_enrollment(other, cast.cadres_a[2]).pk

    def discipline(ids) -> dict:
        return {"enrollment_id": ids["enrollment_id"], "date": ran_date(ids), "severity": "minor", "text": "迟到"}

    def ran_date(ids) -> str:
        return TrainingClass.objects.get(pk=ids["class_id"]).start_date.isoformat()

    rule = {"min_attendance_rate": 85, "exam_policy": "required", "exam_full_mark": 100, "exam_pass_mark": 60,
            "reflection_required": True, "reflection_min_length": 600, "reflection_min_grade": "pass"}
    return {
        ("get", "/classes/{class_id}/assessment"): Recipe(hannah, ids=a_class),
        ("put", "/classes/{class_id}/assessment/rule"): Recipe(hannah, rule, ids=a_class, outsider=403),
        ("put", "/classes/{class_id}/assessment/exam-scores"): Recipe(
            hannah, lambda ids: {"scores": [{"enrollment_id": ids["enrollment_id"], "score": 88.5}]}, ids=a_class,
            outsider=403),
        ("post", "/classes/{class_id}/assessment/discipline"): Recipe(
            hannah, discipline, lambda ids: {**discipline(ids), "enrollment_id": elsewhere()}, ids=a_class,
            outsider=403),
        ("post", "/assessment/reflections/{reflection_id}/grade"): Recipe(
            hannah, {"grade": "good", "comment": "联系实际"}, ids=a_reflection, outsider=403),
        ("get", "/me/classes/{class_id}/reflection"): Recipe(carol, ids=carols_class, outsider=403),
        ("put", "/me/classes/{class_id}/reflection"): Recipe(
            carol, {"title": "修改稿", "text": reflection_text()}, ids=carols_class, outsider=403),
        ("post", "/classes/{class_id}/close"): Recipe(hannah, ids=a_class, outsider=403,
                                                      conflict=lambda ids: (ids, None)),
    }
