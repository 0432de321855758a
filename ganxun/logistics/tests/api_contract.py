"""Recipes of the API contract test for dining and lodging (see ganxun/api/tests/contract.py)."""

from __future__ import annotations

import itertools

from ganxun.api.tests.contract import Recipe
from ganxun.logistics.tests.factories import logistics_class, make_room
from ganxun.testing import Kind, make_enrollment, make_org


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    ivan = cast.ivan
    school_b = make_org("西山县干部学校", Kind.INSTITUTION, cast.county_b)
    room_b = make_room(school_b, "101")
    numbers = itertools.count(1)

    def a_class() -> dict:
        training_class = logistics_class(cast)
        enrollment = make_enrollment(training_class, cast.carol_cadre)
        room = make_room(cast.party_school, f"{next(numbers):03d}")
        return {"class_id": training_class.pk, "enrollment_id": enrollment.pk, "room_id": room.pk,
                "date": training_class.start_date.isoformat()}

    def a_room() -> dict:
        return {"room_id": make_room(cast.party_school, f"9{next(numbers):02d}").pk}

    settings = {"provides_dining": True, "provides_lodging": True, "cutoff_days_before": 1, "cutoff_time": "16:00"}
    new_room = {"institution_id": cast.party_school.pk, "building": "8号楼", "number": "801", "beds": 2}

    def staff(body=None, foreign=None, ids=a_class) -> Recipe:
        # charlie's role has neither logistics.manage, rooms.manage nor self.view: 403 before any lookup.
        return Recipe(ivan, body, foreign, ids=ids, outsider=403)

    return {
        ("get", "/classes/{class_id}/logistics"): staff(),
        ("put", "/classes/{class_id}/logistics"): staff(settings),
        ("get", "/classes/{class_id}/meals"): staff(),
        ("get", "/classes/{class_id}/meal-counts"): staff(),
        ("put", "/enrollments/{enrollment_id}/meals"): staff(
            lambda ids: {"date": ids["date"], "meal": "lunch", "registered": False}),
        ("put", "/enrollments/{enrollment_id}/diet"): staff({"halal": True, "diet_note": "花生过敏"}),
        ("get", "/enrollments/{enrollment_id}/logistics"): staff(),
        ("put", "/enrollments/{enrollment_id}/lodging-need"): staff({"needed": False}),
        ("get", "/me/logistics"): Recipe(cast.carol, outsider=403),
        ("get", "/lodging-rooms"): staff(ids=dict),
        ("post", "/lodging-rooms"): staff(new_room, {**new_room, "institution_id": school_b.pk}, ids=dict),
        ("patch", "/lodging-rooms/{room_id}"): staff({"beds": 3, "gender": "F"}, ids=a_room),
        ("get", "/classes/{class_id}/lodging"): staff(),
        ("post", "/classes/{class_id}/lodging/auto-assign"): staff(),
        ("put", "/enrollments/{enrollment_id}/room"): staff(lambda ids: {"room_id": ids["room_id"]},
                                                            {"room_id": room_b.pk}),
        ("delete", "/enrollments/{enrollment_id}/room"): staff(),
    }
