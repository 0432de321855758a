import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded workbooks go to a temporary MEDIA_ROOT, never into var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def coded(cast):
    """The cast's units with unified social credit codes (the cast builds them without)."""
    for unit, code in ((cast.unit_a1, "91339101A1"), (cast.unit_a1_sub, "91339101A1S"), (cast.unit_a2, "91339101A2"),
                       (cast.unit_b1, "91339102B1")):
        unit.code = code
        unit.save(update_fields=["code"])
    return cast
