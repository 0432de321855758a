import pytest

from ganxun.audit.models import AuditEntry
from ganxun.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_the_audit_admin_browses_and_filters(cast, login):
    audit_record(action="auth.login", actor=cast.alice)
    audit_record(action="person.reveal", actor=cast.bob, target_repr="张伟")
    page = login(cast.aud).get("/manage/audit/", {"action": "person.reveal"}).content.decode()
    assert "张伟" in page
    assert "auth.login" not in page.split("<tbody>")[1]


def test_verification_from_the_page_reports_intact_and_is_itself_audited(cast, login):
    audit_record(action="auth.login", actor=cast.alice)
    response = login(cast.aud).post("/manage/audit/verify/")
    assert "审计链完整" in response.content.decode()
    assert AuditEntry.objects.filter(action="audit.verify", actor_username="aud").exists()


@pytest.mark.parametrize("persona", ["alice", "sam", "sec", "charlie"])
def test_other_roles_cannot_read_the_trail(cast, login, persona):
    assert login(getattr(cast, persona)).get("/manage/audit/").status_code == 403
    assert login(getattr(cast, persona)).post("/manage/audit/verify/").status_code == 403


def test_there_is_no_way_to_edit_entries_through_the_product(cast, login):
    entry = audit_record(action="auth.login", actor=cast.alice)
    client = login(cast.aud)
    for method in ("post", "put", "delete"):
        response = getattr(client, method)(f"/manage/audit/{entry.pk}/")
        assert response.status_code in (403, 404, 405)
    assert AuditEntry.objects.get(pk=entry.pk).action == "auth.login"
