"""The reporters' own words (headings, verdicts, footers) in English and Chinese.

Check and case messages come from the grading engine already in the chosen
language; this table only holds the frame the reporters put around them.
"""
from __future__ import annotations

LANGUAGES = ("en", "zh")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "total": "Total",
        "cases_failed": "{failed} of {total} cases failed",
        "hidden": "(hidden)",
        "diagnosis": "likely mistake: {mistake}",
        "more_failed": "… and {count} more failed cases",
        "more_failed_one": "… and 1 more failed case",
        "could_not_run": "could not run: {error}",
        "seed_public": "seed {seed} (public)",
        "seed_hidden": "seed hidden",
        "device": "device",
        "isolation": "isolation",
        "time": "time",
        "grader": "grader",
        "ready": "Ready to submit: every check passes.",
        "missing": "{points} points missing: see the FAIL and PART lines above.",
        "missing_one": "1 point missing: see the FAIL and PART lines above.",
        "all_passed": "All {total} cases passed.",
        "hidden_failed": "{failed} of {total} hidden cases failed; their messages appear here when grades are published.",
        "hidden_passed": "All {total} hidden cases passed.",
        "hidden_details": "{check} · hidden cases",
        "submission": "submission",
        "max": "max",
        "columns": "columns",
    },
    "zh": {
        "total": "总分",
        "cases_failed": "{total} 个用例中 {failed} 个未通过",
        "hidden": "（隐藏）",
        "diagnosis": "可能的错误：{mistake}",
        "more_failed": "……另有 {count} 个未通过的用例",
        "more_failed_one": "……另有 1 个未通过的用例",
        "could_not_run": "无法运行：{error}",
        "seed_public": "种子 {seed}（公开）",
        "seed_hidden": "种子已隐藏",
        "device": "设备",
        "isolation": "隔离",
        "time": "用时",
        "grader": "评分器",
        "ready": "可以提交：所有检查均已通过。",
        "missing": "还差 {points} 分：请查看上面标为 FAIL 和 PART 的行。",
        "missing_one": "还差 1 分：请查看上面标为 FAIL 和 PART 的行。",
        "all_passed": "全部 {total} 个用例均已通过。",
        "hidden_failed": "{total} 个隐藏用例中 {failed} 个未通过；成绩公布后这里会显示具体信息。",
        "hidden_passed": "全部 {total} 个隐藏用例均已通过。",
        "hidden_details": "{check} · 隐藏用例",
        "submission": "提交",
        "max": "满分",
        "columns": "列",
    },
}


def label(lang: str, key: str, **fields: object) -> str:
    """The label `key` in `lang` (English when either is unknown), formatted with fields."""
    table = LABELS.get(lang, LABELS["en"])
    return table.get(key, LABELS["en"][key]).format(**fields)


def assignment_title(assignment: str, lang: str = "en") -> str:
    """The assignment's title from the message catalog ([assignment] <id>), or its id when it has none."""
    from ..messages import LANGUAGES as CATALOG_LANGUAGES, catalog

    text = catalog(lang if lang in CATALOG_LANGUAGES else "en")
    key = f"assignment.{assignment}"
    return text.text(key) if key in text.entries else assignment


def assignment_total_label(assignment: str, lang: str = "en") -> str:
    """ "Total · cnn": the total line of one assignment when a result holds several."""
    return f"{label(lang, 'total')} · {assignment}"
