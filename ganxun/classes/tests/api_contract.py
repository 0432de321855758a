"""Recipes of the API contract test for classes, timetables and rooms
(see ganxun/api/tests/contract.py)."""

from __future__ import annotations

import datetime as dt

from ganxun.api.tests.contract import Recipe
from ganxun.classes.tests.factories import MONDAY, make_class, make_room
from ganxun.testing import Kind, make_org, make_session, make_teacher


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    ivan = cast.ivan
    school_b = make_org("中共西山县委党校", Kind.INSTITUTION, cast.county_b)
    teacher_b = make_teacher("西山教师", school_b)

    def a_class() -> dict:
        return {"class_id": make_class(cast.party_school).pk}

    def a_class_starting_today() -> dict:
        return {"class_id": make_class(cast.party_school, start=dt.date.today(), status="enrolling").pk}

    def a_session() -> dict:
        training_class = make_class(cast.party_school)
        return {"class_id": training_class.pk, "session_id": make_session(training_class, teacher=None).pk}

    def lecture(ids) -> dict:
        return {"date": str(MONDAY), "slot": "morning", "title": "习近平新时代中国特色社会主义思想概论",
                "teacher_id": cast.tom_teacher.pk}

    def clash_on_update(ids) -> tuple[dict, dict]:
        # tom teaches another class in the afternoon; moving this session there with him clashes.
        other = make_class(cast.party_school, title="另一个班")
        make_session(other, slot="afternoon", teacher=cast.tom_teacher)
        return ids, {"slot": "afternoon", "teacher_id": cast.tom_teacher.pk}

    new_class = {"title": "青年干部培训班", "institution_id": cast.party_school.pk, "training_type": "in_service",
                 "start_date": "2026-04-06", "end_date": "2026-04-10", "capacity": 50}

    return {
        ("get", "/classes"): Recipe(ivan, outsider=200),
        ("get", "/classes/{class_id}"): Recipe(ivan, ids=a_class),
        ("post", "/classes"): Recipe(ivan, new_class, {**new_class, "institution_id": school_b.pk}),
        ("patch", "/classes/{class_id}"): Recipe(ivan, {"place": "党校一号楼"}, {"organiser_id": cast.county_b.pk},
                                                 ids=a_class),
        ("post", "/classes/{class_id}/transition"): Recipe(ivan, {"to": "notice_issued"}, ids=a_class),
        # The outsider (an org department) holds no classes.run: 403 before any id is looked at.
        ("post", "/classes/{class_id}/start"): Recipe(ivan, ids=a_class_starting_today, outsider=403),
        ("get", "/classes/{class_id}/sessions"): Recipe(ivan, ids=a_session),
        ("post", "/classes/{class_id}/sessions"): Recipe(
            ivan, lecture, lambda ids: {**lecture(ids), "teacher_id": teacher_b.pk}, ids=a_class, outsider=403,
            conflict=lambda ids: (ids, {**lecture(ids), "title": "同一时间的另一讲"})),
        ("patch", "/classes/{class_id}/sessions/{session_id}"): Recipe(
            ivan, {"title": "改过的课程"}, {"teacher_id": teacher_b.pk}, ids=a_session, outsider=403,
            conflict=clash_on_update),
        ("delete", "/classes/{class_id}/sessions/{session_id}"): Recipe(ivan, ids=a_session, outsider=403),
        ("get", "/rooms"): Recipe(ivan, outsider=403),
        ("post", "/rooms"): Recipe(ivan, {"institution_id": cast.party_school.pk, "name": "第一教室"},
                                   {"institution_id": school_b.pk, "name": "第一教室"}, outsider=403),
        ("patch", "/rooms/{room_id}"): Recipe(ivan, {"is_active": False},
                                              ids=lambda: {"room_id": make_room(cast.party_school, name="第二教室").pk}, outsider=403),
    }
