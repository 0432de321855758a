"""Recipes of the API contract test for themed online classes (see ganxun/api/tests/contract.py)."""

from __future__ import annotations

from ganxun.api.tests.contract import Recipe
from ganxun.learning.tests.helpers import make_course
from ganxun.onlineclasses.tests.helpers import TODAY, a_class


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    def draft() -> dict:
        return {"class_id": a_class(cast).pk}

    def opened() -> dict:
        return {"class_id": a_class(cast, open_it=True).pk}

    def new_class(ids=None) -> dict:
        return {"title": "专题网络班", "owner_id": cast.org_dept_a.pk, "start_date": TODAY.isoformat(),
                "deadline": TODAY.isoformat(), "audience_root_id": cast.county_a.pk,
                "courses": [{"course_id": make_course(cast).pk, "is_required": True}]}

    def conflict_open(ids):
        return ids, None

    return {
        ("get", "/themed-classes"): Recipe(cast.alice, outsider=200),
        ("post", "/themed-classes"): Recipe(cast.alice, new_class,
                                            foreign_body=lambda ids: {**new_class(), "owner_id": cast.org_dept_b.pk}),
        ("get", "/themed-classes/{class_id}"): Recipe(cast.alice, ids=draft),
        ("patch", "/themed-classes/{class_id}"): Recipe(
            cast.alice, {"title": "新班名"}, ids=draft, foreign_body={"audience_root_id": cast.county_b.pk},
            conflict=lambda ids: (opened(), {"courses": []})),
        ("post", "/themed-classes/{class_id}/open"): Recipe(cast.alice, ids=draft, conflict=conflict_open),
        ("post", "/themed-classes/{class_id}/close"): Recipe(cast.alice, ids=opened, conflict=conflict_open),
        ("post", "/themed-classes/{class_id}/members"): Recipe(
            cast.alice, lambda ids: {"cadre_ids": [cast.carol_cadre.pk]}, ids=opened,
            foreign_body={"cadre_ids": [cast.cadres_b[0].pk]},
            conflict=lambda ids: (draft(), {"cadre_ids": [cast.carol_cadre.pk]})),
        ("get", "/themed-classes/{class_id}/completion"): Recipe(cast.bob, ids=opened),
        ("get", "/me/themed-classes"): Recipe(cast.carol, outsider=403),
    }
