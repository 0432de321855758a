"""Recipes of the roster operations for the API contract test (see ganxun/api/tests/contract.py)."""

from __future__ import annotations

import datetime as dt
import itertools

from ganxun.api.tests.contract import Recipe
from ganxun.classes.models import ClassStatus
from ganxun.roster.models import CallMode, CallStatus, NamedCadre
from ganxun.roster.tests.factories import make_call, make_quota, today
from ganxun.testing import make_class, make_enrollment

_weeks = itertools.count()


def _class(cast, *, status: str = ClassStatus.ENROLLING, organiser=None):
    # Each recipe's class lies in its own fortnight, so no cadre is ever in two overlapping classes.
    start = today() + dt.timedelta(days=14 + 14 * next(_weeks))
    return make_class(cast.party_school, title="契约测试班", organiser=organiser or cast.county_a, start=start,
                      days=3, status=status)


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    zhang, li, outsider_cadre = cast.cadres_a[1], cast.cadres_a[2], cast.cadres_b[0]

    def draft_call(mode=CallMode.QUOTA):
        call = make_call(_class(cast, status=ClassStatus.DRAFT), mode=mode, status=CallStatus.DRAFT)
        if mode == CallMode.QUOTA:
            make_quota(call, cast.unit_a1)
        return call

    def issued_quota():
        return make_quota(make_call(_class(cast)), cast.unit_a1, 3)

    def nominated():
        quota = issued_quota()
        return make_enrollment(quota.call.training_class, zhang, status="nominated", quota=quota, unit=cast.unit_a1)

    def named_draft():
        call = draft_call(CallMode.NAMED)
        NamedCadre.objects.create(call=call, cadre=zhang, unit=zhang.unit)
        return {"call_id": call.pk, "cadre_id": zhang.pk}

    # Objects named in request bodies exist before the calls.
    uncalled = _class(cast, status=ClassStatus.DRAFT)
    foreign_class = _class(cast, status=ClassStatus.DRAFT, organiser=cast.county_b)
    nomination_quota = issued_quota()
    bulk = nominated()
    stranger = nominated()
    roster_class = _class(cast)
    make_enrollment(roster_class, zhang, seat_no=1)
    make_enrollment(_class(cast), cast.carol_cadre, seat_no=1)

    return {
        ("get", "/roster/calls"): Recipe(cast.alice, outsider=200),
        ("get", "/roster/calls/{call_id}"): Recipe(cast.alice, ids=lambda: {"call_id": issued_quota().call_id}),
        ("post", "/roster/calls"): Recipe(
            cast.alice, body={"class_id": uncalled.pk, "document_no": "东组通〔2026〕1号"},
            foreign_body={"class_id": foreign_class.pk}),
        ("patch", "/roster/calls/{call_id}"): Recipe(cast.alice, body={"contact": "王老师 88001234"},
                                                     ids=lambda: {"call_id": draft_call().pk}),
        ("post", "/roster/calls/{call_id}/issue"): Recipe(cast.alice, ids=lambda: {"call_id": draft_call().pk}),
        ("get", "/roster/calls/{call_id}/notice"): Recipe(cast.alice,
                                                          ids=lambda: {"call_id": issued_quota().call_id}),
        ("put", "/roster/calls/{call_id}/quotas/{unit_id}"): Recipe(
            cast.alice, body={"seats": 2, "note": "科级干部"},
            ids=lambda: {"call_id": draft_call().pk, "unit_id": cast.unit_a2.pk}),
        ("post", "/roster/calls/{call_id}/named"): Recipe(
            cast.alice, body={"cadre_id": li.pk}, foreign_body={"cadre_id": outsider_cadre.pk},
            ids=lambda: {"call_id": draft_call(CallMode.NAMED).pk}),
        ("delete", "/roster/calls/{call_id}/named/{cadre_id}"): Recipe(cast.alice, ids=named_draft),
        ("get", "/roster/quotas"): Recipe(cast.bob, outsider=403),
        ("get", "/roster/quotas/{quota_id}/candidates"): Recipe(cast.bob, outsider=403,
                                                                ids=lambda: {"quota_id": issued_quota().pk}),
        ("post", "/roster/nominations"): Recipe(
            cast.bob, body={"quota_id": nomination_quota.pk, "cadre_id": li.pk}, outsider=403,
            foreign_body={"quota_id": nomination_quota.pk, "cadre_id": outsider_cadre.pk}),
        ("get", "/roster/nominations"): Recipe(cast.alice, outsider=200),
        ("post", "/roster/nominations/{enrollment_id}/withdraw"): Recipe(
            cast.bob, outsider=403, ids=lambda: {"enrollment_id": nominated().pk}),
        ("post", "/roster/nominations/{enrollment_id}/approve"): Recipe(
            cast.alice, ids=lambda: {"enrollment_id": nominated().pk}),
        ("post", "/roster/nominations/{enrollment_id}/reject"): Recipe(
            cast.alice, body={"note": "不符合人选条件"}, ids=lambda: {"enrollment_id": nominated().pk}),
        ("post", "/roster/nominations/{enrollment_id}/substitute"): Recipe(
            cast.alice, body={"cadre_id": li.pk, "reason": "工作调动"},
            foreign_body={"cadre_id": outsider_cadre.pk, "reason": "工作调动"},
            ids=lambda: {"enrollment_id": nominated().pk}),
        ("post", "/roster/classes/{class_id}/approve"): Recipe(
            cast.alice, body={"ids": [bulk.pk]}, foreign_body={"ids": [stranger.pk]},
            ids=lambda: {"class_id": bulk.training_class_id}),
        ("get", "/roster/classes/{class_id}/roster"): Recipe(cast.alice,
                                                             ids=lambda: {"class_id": roster_class.pk}),
        ("get", "/me/classes"): Recipe(cast.carol, outsider=403),
    }
