"""What the demo commands print: the summary of a generation and the table of log-ins."""

from __future__ import annotations

from django.core.management.base import CommandError
from rich.console import Console
from rich.table import Table

from ganxun.demo.generator import GenerationRefused, Summary, generate
from ganxun.demo.personas import PASSWORD, persona_rows, persona_secrets

COUNT_LABELS = [
    ("organisations", "组织（含区域）"), ("regions", "行政区域（市、县区）"), ("units", "参训单位"),
    ("cadres", "干部"), ("career_events", "任职经历"), ("teachers", "师资"), ("persons", "人员"),
    ("accounts", "演示账号"), ("staff_accounts", "培训工作人员账号"), ("survey_responses", "调研答卷"),
    ("plans", "年度计划"), ("plan_items", "年度计划班次"), ("classes", "培训班次"), ("sessions", "课程安排"),
    ("enrollments", "报名（人次）"), ("attendance_records", "签到记录"), ("leave_requests", "请假申请"),
    ("closed_classes", "已结业班次"), ("credit_records", "学时记录"), ("session_ratings", "课程评价"),
    ("class_ratings", "班次评价"), ("followups", "训后回访"), ("rectification_items", "整改项"),
    ("online_courses", "网络课程"), ("online_courses_published", "已发布网络课程"), ("learner_accounts", "学员账号"),
    ("online_progress_rows", "学习进度"), ("themed_classes", "专题网络班"), ("themed_class_members", "专题网络班学员"),
    ("recognition_sources", "学时互认平台"), ("recognition_claims_recognised", "已认定的互认学时申请"),
]


def summary_table(counts: dict, seconds: float, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("数据")
    table.add_column("数量", justify="right")
    for key, label in COUNT_LABELS:
        if key in counts:
            table.add_row(label, f"{counts[key]:,}")
    table.add_row("耗时", f"{seconds:.1f} 秒")
    return table


def persona_table() -> Table | None:
    rows = persona_rows()
    if not rows:
        return None
    table = Table(title=f"演示账号（密码均为 {PASSWORD}）", title_justify="left")
    table.add_column("用户名", style="bold")
    table.add_column("姓名")
    table.add_column("角色 · 范围")
    table.add_column("说明")
    for row in rows:
        roles = "\n".join(f"{role} · {scope}" for role, scope in row.roles)
        table.add_row(row.username, row.name, roles, f"[yellow]{row.description}[/]" if row.totp else row.description)
    return table


def print_personas(console: Console) -> None:
    table = persona_table()
    if table is None:
        console.print("[yellow]数据库中没有演示账号。[/]")
        return
    console.print(table)
    console.print("三员（系统、安全、审计管理员）登录时须输入动态口令：另开一个终端运行")
    console.print("  [bold].venv/bin/python -m ganxun demo_totp 用户名[/]（如 demo_totp sysadmin）取得当前 6 位口令；")
    console.print("或把下面的密钥加入手机上的身份验证器（Google Authenticator、Microsoft Authenticator 等）：")
    for username, secret in persona_secrets().items():
        console.print(f"  {username}: [bold]{secret}[/]")


def run_generation(console: Console, *, scale: str, seed: int, today=None) -> Summary:
    """Generate with a line per city (demo_generate and demo_up)."""
    try:
        with console.status(f"正在生成演示数据（{scale}，种子 {seed}）……"):
            return generate(scale=scale, seed=seed, today=today,
                            step=lambda message: console.print(f"  ✓ {message}"))
    except GenerationRefused as exc:
        raise CommandError(str(exc)) from None
