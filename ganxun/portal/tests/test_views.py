import json
import re

import pytest

pytestmark = pytest.mark.django_db


def _chart_data(html: str) -> dict:
    match = re.search(r'<script id="dashboard-charts" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_the_dashboard_counts_the_scope_only(cast, login):
    html = login(cast.alice).get("/").content.decode()
    data = _chart_data(html)
    assert sum(item["value"] for item in data["by_rank"]) == 4  # county A's four cadres
    assert {item["name"] for item in data["by_category"]} >= {"党政机关", "企业"}
    assert sum(item["value"] for item in data["by_age"]) == 4
    charlie = _chart_data(login(cast.charlie).get("/").content.decode())
    assert sum(item["value"] for item in charlie["by_rank"]) == 2


def test_roles_without_people_data_get_no_charts(cast, login):
    for persona in ("sec", "aud", "sam"):
        html = login(getattr(cast, persona)).get("/").content.decode()
        assert "dashboard-charts" not in html
        assert "在职干部" not in html


def test_a_cadre_is_sent_to_the_learner_home_and_sees_only_themselves(cast, login):
    client = login(cast.carol)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/learn/"
    page = client.get("/learn/profile/").content.decode()
    person = cast.carol_cadre.person
    assert person.id_number_masked in page and person.id_number not in page
    revealed = client.post("/learn/profile/reveal/").content.decode()
    assert person.id_number in revealed


def test_learner_pages_are_closed_to_the_back_office_roles_that_lack_self_view(cast, login):
    assert login(cast.alice).get("/learn/profile/").status_code == 403
    assert login(cast.charlie).post("/learn/profile/reveal/").status_code == 403


def test_the_system_page_is_for_the_system_admin(cast, login):
    assert login(cast.sam).get("/manage/system/").status_code == 200
    for persona in ("sec", "aud", "alice"):
        assert login(getattr(cast, persona)).get("/manage/system/").status_code == 403


def test_health_check_is_public(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
