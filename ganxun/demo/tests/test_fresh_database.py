"""Generation into an empty database: determinism, refusals, the commands, the small scale.

Each test starts from an empty database (no shared demo), so these live apart from the
modules that share the tiny demo (conftest.tiny_demo).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from rich.console import Console

from ganxun.access.models import Account
from ganxun.classes.models import ClassMode, TrainingClass
from ganxun.demo.database import ResetRefused, wipe_demo_database
from ganxun.demo.digest import data_digest
from ganxun.demo.generator import GenerationRefused, generate
from ganxun.demo.management.commands.demo_up import prepare
from ganxun.demo.models import DemoRun
from ganxun.demo.personas import PERSONAS
from ganxun.demo.process.digest import process_digest
from ganxun.demo.scales import DEMO_TODAY
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre, Person, Teacher
from ganxun.roster.models import Enrollment
from ganxun.topics.choices import TrainingType

pytestmark = pytest.mark.django_db

SMALL = {"counties": 10, "units": 204, "cadres": 3000, "teachers": 120}


def _digests_of(seed: int, today: dt.date) -> tuple[str, str]:
    """Generate, fingerprint (place and people; training process), and roll back, leaving the
    database empty for the next run."""
    with transaction.atomic():
        generate(scale="tiny", seed=seed, today=today)
        digests = data_digest(), process_digest()
        transaction.set_rollback(True)
    return digests


def test_it_generates_the_same_data_for_the_same_seed_and_process_day_and_other_data_for_another():
    today = timezone.localdate()
    first = _digests_of(11, today)
    assert Person.objects.count() == 0
    assert _digests_of(11, today) == first
    other_seed = _digests_of(12, today)
    assert other_seed[0] != first[0] and other_seed[1] != first[1]
    # The place and its people do not depend on the process day; the training process does.
    earlier = _digests_of(11, today - dt.timedelta(days=3))
    assert earlier[0] == first[0] and earlier[1] != first[1]


def test_it_refuses_a_process_day_after_today():
    with pytest.raises(GenerationRefused, match="晚于今天"):
        generate(scale="tiny", seed=1, today=timezone.localdate() + dt.timedelta(days=1))
    assert Person.objects.count() == 0


def test_the_small_scale_has_the_documented_shape_rank_pyramid_and_a_year_of_training():
    summary = generate(scale="small", seed=2026)
    assert Organisation.objects.filter(region_level="county").count() == SMALL["counties"]
    assert summary.counts["units"] == Organisation.objects.filter(kind="unit").count() == SMALL["units"]
    assert Cadre.objects.count() == SMALL["cadres"] and Teacher.objects.count() == SMALL["teachers"]
    ranks = Counter(Cadre.objects.values_list("rank", flat=True))
    share = {rank: count / SMALL["cadres"] for rank, count in ranks.items()}
    assert 0 < ranks["bureau"] <= 30
    assert 0.08 <= share["county"] <= 0.12
    assert 0.30 <= share["section"] <= 0.40
    assert 0.50 <= share["general"] <= 0.60
    assert Cadre.objects.filter(is_leader=True, rank="general").count() == 0
    # Rank and age go together: the average 县处级 is older than the average 一般干部.
    def mean_age(rank):
        births = Cadre.objects.filter(rank=rank).values_list("person__birth_date", flat=True)
        return sum((DEMO_TODAY - b).days for b in births) / len(births) / 365.25
    assert mean_age("county") > mean_age("section") > mean_age("general") + 5
    assert dt.date(1966, 9, 1) < Person.objects.order_by("birth_date").first().birth_date

    # About 150 classes of every training type (条例 Art. 13) and mode, 30–120 cadres each.
    classes = TrainingClass.objects.annotate(roster=Count("enrollments", filter=Q(enrollments__status="approved")))
    assert 130 <= classes.count() <= 170
    assert set(classes.values_list("training_type", flat=True)) == set(TrainingType.values)
    assert set(classes.values_list("mode", flat=True)) == set(ClassMode.values)
    held = [c.roster for c in classes.filter(status__in=("closed", "archived"))]
    assert min(held) >= 20 and max(held) <= 120 and sum(30 <= n for n in held) >= 0.85 * len(held)
    # Each cadre takes 0–4 classes; many none, a few four.
    per_cadre = Counter(Enrollment.objects.filter(status="approved").values_list("cadre_id", flat=True))
    never = Cadre.objects.count() - len(per_cadre)
    assert max(per_cadre.values()) == 4 and 0.2 <= never / Cadre.objects.count() <= 0.45


def test_demo_totp_refuses_a_database_that_is_not_a_demo(cast):
    with pytest.raises(CommandError, match="不是演示数据库"):
        call_command("demo_totp", "sam")


def test_reset_refuses_a_database_with_data_that_is_not_a_demo(cast):
    with pytest.raises(ResetRefused, match="拒绝清空"):
        wipe_demo_database(has_data=True)
    assert Organisation.objects.filter(name="东城区").exists()


def test_demo_generate_fills_an_empty_database_for_a_process_day_and_refuses_a_full_one():
    out = io.StringIO()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    call_command("demo_generate", "--scale", "tiny", "--seed", "5", "--process-today", yesterday.isoformat(),
                 "--digest", stdout=out)
    staff = Account.objects.exclude(username__in=[p.username for p in PERSONAS]).count()
    assert Cadre.objects.count() == 400 and Account.objects.count() == len(PERSONAS) + staff and staff >= 9
    assert DemoRun.objects.get().process_day == yesterday
    assert TrainingClass.objects.filter(start_date__lte=yesterday, end_date__gte=yesterday,
                                        status="running").exists()
    with pytest.raises(CommandError, match="已有数据"):
        call_command("demo_generate", "--scale", "tiny")


def test_demo_generate_refuses_a_badly_written_process_day():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("demo_generate", "--scale", "tiny", "--process-today", "2026-13-01")


def test_demo_up_generates_into_an_empty_database_and_keeps_existing_data():
    console = Console(file=io.StringIO(), width=120)
    assert prepare(console, scale="tiny", seed=2026, collect_static=False) == "generated"
    cadres = Cadre.objects.count()
    assert prepare(console, scale="tiny", seed=9, collect_static=False) == "kept"
    assert Cadre.objects.count() == cadres
    text = console.file.getvalue()
    assert "保留现有数据" in text and "make demo-reset SCALE=tiny SEED=9" in text and "orgadmin" in text
    # Kept for another day: it says which day the training process counts as today.
    DemoRun.objects.update(process_day=timezone.localdate() - dt.timedelta(days=2))
    console = Console(file=io.StringIO(), width=200)
    assert prepare(console, scale="tiny", seed=2026, collect_static=False) == "kept"
    assert "为“今天”" in console.file.getvalue()
