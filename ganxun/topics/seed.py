"""The initial topic tree, from the content provisions of the 《干部教育培训工作条例》.

Codes are dotted positions ("03.07"); they stay stable when names are edited,
so later data (courses, classes, credit records) can be tagged with them.
"""

TOPIC_TREE: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("01", "政治理论教育", [
        ("01.01", "习近平新时代中国特色社会主义思想"),
        ("01.02", "马克思列宁主义、毛泽东思想"),
        ("01.03", "中国特色社会主义理论体系"),
        ("01.04", "党的路线方针政策"),
        ("01.05", "党的创新理论与重要会议精神"),
    ]),
    ("02", "党性教育", [
        ("02.01", "理想信念"),
        ("02.02", "党章党规党纪"),
        ("02.03", "党的宗旨与群众观点"),
        ("02.04", "革命传统与党史学习"),
        ("02.05", "道德品行"),
        ("02.06", "廉洁自律与警示教育"),
    ]),
    ("03", "履职能力培训", [
        ("03.01", "推动高质量发展"),
        ("03.02", "改革创新"),
        ("03.03", "依法执政与法治建设"),
        ("03.04", "社会治理与群众工作"),
        ("03.05", "防范化解重大风险与应急管理"),
        ("03.06", "乡村振兴与区域协调发展"),
        ("03.07", "生态文明建设"),
        ("03.08", "数字政府与信息化"),
        ("03.09", "领导科学与决策"),
        ("03.10", "党的建设与组织工作"),
        ("03.11", "国家安全"),
        ("03.12", "对外开放与国际视野"),
    ]),
    ("04", "知识培训", [
        ("04.01", "经济与金融"),
        ("04.02", "法律法规"),
        ("04.03", "历史文化"),
        ("04.04", "科学技术"),
        ("04.05", "公共管理"),
        ("04.06", "国际形势"),
        ("04.07", "心理健康与文化素养"),
    ]),
]


def ensure_topics(Topic) -> int:
    """Create the tree where missing (idempotent); `Topic` may be a migration's historical model."""
    created = 0
    for code, name, children in TOPIC_TREE:
        root, made = Topic.objects.get_or_create(code=code, defaults={"name": name, "sort_order": int(code)})
        created += made
        for child_code, child_name in children:
            _, made = Topic.objects.get_or_create(
                code=child_code,
                defaults={"name": child_name, "parent": root, "sort_order": int(child_code.split(".")[-1])},
            )
            created += made
    return created
