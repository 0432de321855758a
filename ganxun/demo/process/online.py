"""The online catalogue (课程超市) of the demo city and a year of online study.

Courses go through the real services: the city's org department (orgadmin) publishes the
required public courses (公共必修) it owns; the city party school (school_admin) provides the
elective series with its teachers, submits them to the city's three course reviewers
(reviewer1–3), and the org department confirms — most are published, a few go to a pilot in
东城区 first, one is returned, a few still wait for reviews. Every document course has a PDF
handout rendered by WeasyPrint (one per series, shared by its courses, so `make demo` pays for
a handful of renderings).

One video ships with the demo (assets/, made by scripts/demo_video.py): the 3-minute 微课
一网通办实践 of the 数字政府 series. Its course is a 微课 of 3 minutes, the WebM goes up through
media_upload (a WebM's duration is given: only an MP4's is read from the file), and it is
reviewed and published like the others. The other video courses stay drafts marked 视频待上传:
a video on one subject cannot honestly stand for a course on another, and a video course
without its video cannot be published or studied.

Then (each in its module): the learner accounts (learners.py), the themed online classes
(themed.py), the study history — ledger entries of the generated cadres, progress rows of the
learner accounts (learners.py) — and credit recognition from other platforms (recognition.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ganxun.access import services as access_services
from ganxun.access.models import Account
from ganxun.access.roles import Role
from ganxun.audit.services import audit_record
from ganxun.core.pdf import render_pdf
from ganxun.credits.models import CreditMode
from ganxun.credits.services import Posting, credit_post_many
from ganxun.demo.process import learners, recognition, themed
from ganxun.demo.process.world import MORNING, World, at, rng_for
from ganxun.learning import review, services
from ganxun.learning.conversion import credit_hours_for
from ganxun.learning.models import Course, CourseKind
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre, Person, Teacher
from ganxun.topics.models import Topic

REVIEWERS = ("reviewer1", "reviewer2", "reviewer3")
PASSWORD_NOTE = "演示数据：课程评审专家"

# Published in this order, one every 20 days from 330 days before the process day (the
# courses of the closed themed class, themed.CLOSED_*, are among the first eight: in time for
# any last quarter).
REQUIRED = (
    "习近平新时代中国特色社会主义思想概论", "党章党规党纪学习", "廉洁从政教育", "中国特色社会主义法治理论",
    "总体国家安全观", "意识形态工作责任制", "全面从严治党新要求", "党的二十大精神解读", "中华民族共同体意识",
    "新发展理念与高质量发展", "保密知识与技能", "干部心理健康与压力调适",
)
SERIES = {
    "经济管理": ("数字经济发展趋势", "优化营商环境实务", "地方财政与债务管理", "产业链招商与项目管理",
              "统计数据解读与运用", "金融风险防范", "国有企业改革", "政府投资项目评审", "区域协调发展战略",
              "消费升级与内需扩大", "开放型经济新体制"),
    "乡村振兴": ("乡村产业振兴路径", "农村集体经济发展", "和美乡村建设", "基层党建引领乡村治理", "农业科技推广",
              "耕地保护与粮食安全", "农村电商实务", "脱贫成果巩固衔接", "乡村人才振兴", "乡风文明建设", "县域城乡融合"),
    "社会治理": ("新时代枫桥经验", "网格化社会治理", "信访工作法治化", "突发事件应急处置", "群众工作方法",
              "社区治理创新", "安全生产责任落实", "舆情应对与引导", "公共服务均等化", "矛盾纠纷多元化解", "平安建设"),
    "数字政府": ("数字政府建设总体框架", "数据要素与公共数据开放", "一网通办实践", "网络安全与个人信息保护",
              "人工智能与政务服务", "政务数据治理", "智慧城市运行管理", "数字素养与技能", "电子政务标准化",
              "算法治理", "数字化改革案例"),
    "生态文明": ("习近平生态文明思想", "碳达峰碳中和路径", "河湖长制实务", "生态环境保护督察", "绿色金融",
              "生态产品价值实现", "固体废物治理", "美丽城乡建设", "生物多样性保护", "环境执法与司法", "节能降碳"),
    "法治建设": ("依法行政与法治政府", "行政复议与行政诉讼", "合法性审查实务", "民法典与政府工作", "行政执法规范化",
              "法治思维与法治方式", "重大行政决策程序", "营商环境法治保障", "普法工作创新", "数据安全法解读",
              "基层法治建设"),
}
VIDEO_DRAFTS = 7  # electives kept as video drafts (视频待上传): no video of their subject ships
# The one video of the demo and its course (an elective of the 数字政府 series).
VIDEO_FILE = Path(__file__).resolve().parent.parent / "assets" / "yiwangtongban_microcourse.webm"
VIDEO_SERIES, VIDEO_TITLE, VIDEO_SECONDS = "数字政府", "一网通办实践", 180
VIDEO_SUMMARY = ("数字政府建设专题微课（3 分钟视频）：什么是“一网通办”，办好“一件事”的三个环节，"
                 "基层干部怎么做，以及要避免的三个误区。")
VIDEO_TOPICS = ("03.08", "04.05")  # 数字政府与信息化, 公共管理
VIDEO_PUBLISHED_DAYS_BACK = 45


def _handout(series: str, titles: tuple[str, ...]) -> bytes:
    return render_pdf("demo/course_handout.html", {"series": series, "titles": titles})


def _reviewers(world: World) -> list[Account]:
    """Three course reviewers of the city: teachers of the city's cadre academy, then of the
    county party schools, then senior cadres of the city (real people, like the staff — the
    electives under review are the city party school's, so none reviews a course they teach);
    roles through access.services.role_assign."""
    from django.contrib.auth.hashers import make_password

    from ganxun.demo.personas import PASSWORD
    from ganxun.demo.process.staff import free_teachers

    encoded = make_password(PASSWORD)
    # Not the party school's own teachers: they teach the electives under review. A small
    # city may have too few other teachers; then senior cadres of the city's units review.
    people = [t.person for t in free_teachers(world.academy, set())]
    for institution in sorted(world.county_schools.values(), key=lambda i: i.pk):
        people += [t.person for t in free_teachers(institution, {p.pk for p in people})]
    if len(people) < len(REVIEWERS):
        # Sorted in Python: the ID number is stored encrypted (random nonce), so no SQL order.
        seniority = {"bureau": 0, "county": 1, "section": 2}
        cadres = Cadre.objects.filter(unit__parent=world.city, person__account__isnull=True,
                                      is_active=True).select_related("person")
        people += [c.person for c in sorted(cadres, key=lambda c: (seniority.get(c.rank, 3), c.person.id_number))
                   ][:len(REVIEWERS) - len(people)]
    accounts = []
    for username, person in zip(REVIEWERS, people):
        account = Account(username=username, full_name=person.name, must_change_password=False,
                          password=encoded, password_changed_at=timezone.now())
        account.full_clean()
        account.save()
        audit_record(action="account.create", actor=None, target=account, detail={"demo": True, "reviewer": True})
        Person.objects.filter(pk=person.pk).update(account=account)
        access_services.role_assign(actor=None, account=account, role=Role.COURSE_REVIEWER, scope=world.city,
                                    note=PASSWORD_NOTE)
        accounts.append(world.actor(username))
    world.add("course_reviewers", len(accounts))
    return accounts


def generate_online(world: World) -> None:
    rng = rng_for(world.seed, "online")
    published = _catalogue(world, rng)
    accounts = learners.create_learners(world)
    classes = themed.generate_themed_classes(world, published)
    _ledger_history(world, rng, published, exclude={learner.cadre.pk for learner in accounts})
    learners.study(world, accounts, published, classes)
    recognition.generate_recognition(world, accounts)


def _catalogue(world: World, rng) -> list[Course]:
    """The courses through the review pipeline; returns the published ones (pilots excluded)."""
    today = world.today
    org_admin = world.actor("orgadmin", Role.ORG_DEPT_ADMIN)
    school_admin = world.actor("school_admin")
    experts = _reviewers(world)
    org_dept = Organisation.objects.get(parent=world.city, kind=Organisation.Kind.ORG_DEPT)
    topics = list(Topic.objects.filter(is_active=True).order_by("code"))
    teachers = list(Teacher.objects.filter(institution=world.school, is_active=True).order_by("pk"))
    pdfs = {"公共必修": _handout("公共必修", REQUIRED)}
    pdfs.update({series: _handout(series, titles) for series, titles in SERIES.items()})

    def when(days_back: int) -> dt.datetime:
        return at(today - dt.timedelta(days=days_back), MORNING)

    def attach(actor, course, key: str) -> None:
        services.media_upload(actor=actor, course=course, upload=SimpleUploadedFile(
            f"{course.title}.pdf", pdfs[key], content_type="application/pdf"))

    published: list[Course] = []
    for index, title in enumerate(REQUIRED):
        start = when(330 - index * 20)
        course = services.course_create(actor=org_admin, owner=org_dept, title=title, kind="document",
                                        duration_minutes=rng.choice((30, 45, 60, 90)), is_required=True,
                                        topics=rng.sample(topics, k=min(2, len(topics))), now=start,
                                        summary=f"{title}：公共必修课程讲义与学习要点。")
        attach(org_admin, course, "公共必修")
        published.append(services.course_publish(actor=org_admin, course=course, now=start))

    electives = [(series, title) for series, titles in SERIES.items() for title in titles
                 if (series, title) != (VIDEO_SERIES, VIDEO_TITLE)]
    rng.shuffle(electives)
    video_drafts, returned, waiting, pilots = (set(range(VIDEO_DRAFTS)), {VIDEO_DRAFTS},
                                               set(range(VIDEO_DRAFTS + 1, VIDEO_DRAFTS + 4)),
                                               set(range(VIDEO_DRAFTS + 4, VIDEO_DRAFTS + 8)))
    counts = {"video_drafts": 0, "returned": 0, "in_review": 0, "pilot": 0}
    for index, (series, title) in enumerate(electives):
        start = when(max(300 - index * 4, 3))
        teacher = teachers[index % len(teachers)] if teachers else None
        video = index in video_drafts
        kind = rng.choice((CourseKind.VIDEO, CourseKind.MICRO)) if video else CourseKind.DOCUMENT
        # A 微课 runs minutes, a lecture video most of an hour.
        minutes = rng.choice((5, 8, 10, 15) if kind == CourseKind.MICRO else (20, 30, 45, 60))
        course = services.course_create(
            actor=school_admin, owner=world.school, provider=world.school, teacher=teacher, title=title,
            kind=kind, series=series, duration_minutes=minutes, topics=rng.sample(topics, k=min(2, len(topics))),
            summary=f"{series}专题选修课：{title}。" + ("视频待上传。" if video else ""), now=start)
        if video:
            counts["video_drafts"] += 1
            continue
        attach(school_admin, course, series)
        review.course_submit(actor=school_admin, course=course, now=start)
        for expert in experts[:1] if index in waiting else experts:
            score = rng.choice((3, 4, 4, 5, 5)) if index not in returned else 2
            review.course_review_save(actor=expert, course=course, content_score=score,
                                      teaching_score=max(1, min(5, score + rng.choice((-1, 0, 0, 1)))),
                                      production_score=max(1, min(5, score + rng.choice((-1, 0, 1)))),
                                      comment=rng.choice(("内容充实，案例贴近基层实际。", "讲授条理清楚，建议补充最新政策。",
                                                          "结构完整，个别数据需要更新。", "重点突出，适合作为专题选修。"))
                                      if index not in returned else "案例陈旧，讲义与最新政策不符。", now=start)
        if index in waiting:
            counts["in_review"] += 1
        elif index in returned:
            review.course_confirm(actor=org_admin, course=course, decision="return", now=start,
                                  reason="案例陈旧，请按最新政策修改讲义后重新提交。")
            counts["returned"] += 1
        elif index in pilots:
            review.course_confirm(actor=org_admin, course=course, decision="pilot", pilot_orgs=[world.county],
                                  now=start)
            counts["pilot"] += 1
        else:
            published.append(review.course_confirm(actor=org_admin, course=course, decision="publish", now=start))
    published.append(_video_course(world, rng, school_admin, org_admin, experts, topics,
                                   when(VIDEO_PUBLISHED_DAYS_BACK)))
    world.add("online_courses", len(REQUIRED) + len(electives) + 1)
    world.add("online_courses_published", len(published))
    world.add("online_video_courses_published", 1)
    for key, value in counts.items():
        world.add(f"online_courses_{key}", value)
    return published


def _video_course(world: World, rng, school_admin, org_admin, experts, topics, start: dt.datetime) -> Course:
    """The 微课 with the demo's one video: created, its WebM uploaded, reviewed, published."""
    # The `teacher` persona presents it (its course list then has a video), else the school's first teacher.
    teacher = (Teacher.objects.filter(person__account__username="teacher", institution=world.school).first()
               or Teacher.objects.filter(institution=world.school, is_active=True).order_by("pk").first())
    course = services.course_create(
        actor=school_admin, owner=world.school, provider=world.school, teacher=teacher, title=VIDEO_TITLE,
        kind=CourseKind.MICRO, series=VIDEO_SERIES, duration_minutes=VIDEO_SECONDS // 60,
        topics=[t for t in topics if t.code in VIDEO_TOPICS],
        summary=VIDEO_SUMMARY, now=start)
    services.media_upload(actor=school_admin, course=course, duration_seconds=VIDEO_SECONDS,
                          upload=SimpleUploadedFile(f"{VIDEO_TITLE}.webm", VIDEO_FILE.read_bytes(),
                                                    content_type="video/webm"))
    review.course_submit(actor=school_admin, course=course, now=start)
    comments = ("短小精悍，要点清楚，适合移动学习。", "结合基层实际，误区部分很有针对性。", "画面简洁，建议后续补充本地案例。")
    for expert, comment in zip(experts, comments):
        score = rng.choice((4, 5, 5))
        review.course_review_save(actor=expert, course=course, content_score=score, teaching_score=score,
                                  production_score=max(3, score - 1), comment=comment, now=start)
    return review.course_confirm(actor=org_admin, course=course, decision="publish", now=start)


def _ledger_history(world: World, rng, published: list[Course], exclude: set[int]) -> None:
    """A year of completed courses in the ledger for the city's generated cadres (they have no
    accounts, so no progress rows): mode online, source_ref course:<course>:cadre:<cadre>, as
    learning.services.progress_complete posts them. Cadres with learner accounts are left out:
    their ledger entries come with their progress rows (learners.study)."""
    today = world.today
    cadres = list(Cadre.objects.filter(unit__path__startswith=world.city.path).values_list("pk", flat=True)
                  .order_by("pk"))
    topic_ids = {c.pk: tuple(c.topics.order_by("pk").values_list("pk", flat=True)) for c in published}
    hours = {c.pk: credit_hours_for(duration_minutes=c.duration_minutes, on=today) for c in published}
    postings = []
    for cadre_id in cadres:
        for course in rng.sample(published, k=min(len(published), rng.choice((0, 1, 2, 3, 4, 6, 8)))):
            opened = timezone.localtime(course.published_at).date()
            if opened >= today or cadre_id in exclude:
                continue
            earned = opened + dt.timedelta(days=rng.randrange(max((today - opened).days, 1)))
            postings.append(Posting(cadre_id=cadre_id, hours=hours[course.pk], earned_on=earned,
                                    mode=CreditMode.ONLINE, source_ref=f"course:{course.pk}:cadre:{cadre_id}",
                                    topic_ids=topic_ids[course.pk], source_name=course.title))
    credit_post_many(actor=None, postings=postings, action="learning.credit_post")
    world.add("online_credit_records", len(postings))
    world.add_bulk("demo.online_history", len(postings))
