"""The instructor reports' own words, in English and Simplified Chinese (same keys, same placeholders).

Mistake explanations are not here: they come from the message catalog (messages/*.toml).
"""
from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "instructors_only": "Instructors only: names of students and their code. Do not publish this page.",
        "similarity_title": "Similar submissions",
        "similarity_intro": "Pairs of submissions ranked by how much of their code they share, after removing docstrings, comments and the text of the stubs, with names, strings and numbers abstracted (copydetect {version}, k-grams of {k} tokens). A high share is a reason to look, not a verdict.",
        "rank": "Rank",
        "first": "Submission",
        "second": "Submission",
        "shared": "Shared code",
        "shared_of": "{first} of A · {second} of B",
        "side_by_side": "Side by side",
        "no_code": "Left out (no code kept with their record): {names}",
        "misconceptions_title": "What the class got wrong",
        "misconceptions_intro": "For each exercise, the known mistakes the grader named in the students' answers (their latest submission), ranked by how many students made them, with the explanation students read and one anonymised example. Students are shown by their scoreboard pseudonyms.",
        "students_n": "{count} of {total} students",
        "mistake": "Named mistake",
        "students": "Students",
        "example": "example",
        "unexplained": "{share} of the failed cases ({unexplained} of {failed}) match no named mistake: where this is large, the catalog may need a new entry.",
        "unexplained_example": "example of a failed case that no mistake explains",
        "not_written": "Not counted: {count} failed cases of functions not written yet (NotImplementedError).",
        "no_mistakes": "No named mistake.",
        "example_title": "{exercise} · {mistake}: one example",
        "example_from": "From the submission of {pseudonym}:",
        "back": "Back to the report",
    },
    "zh": {
        "instructors_only": "仅限教师：含学生姓名及其代码。请勿公开此页面。",
        "similarity_title": "相似的提交",
        "similarity_intro": "按共享代码的比例排列的提交对；已去除文档字符串、注释和模板代码，名称、字符串和数字已抽象化（copydetect {version}，{k} 个词元的 k-gram）。比例高只是需要查看的理由，而不是结论。",
        "rank": "排名",
        "first": "提交",
        "second": "提交",
        "shared": "共享代码",
        "shared_of": "占 A 的 {first} · 占 B 的 {second}",
        "side_by_side": "并排对照",
        "no_code": "未纳入（记录中未保存代码）：{names}",
        "misconceptions_title": "全班的常见错误",
        "misconceptions_intro": "按练习列出评分器在学生答案（各自最后一次提交）中识别出的已知错误，按犯错人数排序，附学生看到的解释和一个匿名示例。学生以排行榜化名显示。",
        "students_n": "{total} 名学生中的 {count} 名",
        "mistake": "已识别的错误",
        "students": "学生",
        "example": "示例",
        "unexplained": "未通过的用例中有 {share}（{failed} 个中的 {unexplained} 个）不符合任何已知错误：比例较高时，错误目录可能需要新增条目。",
        "unexplained_example": "一个无法用已知错误解释的未通过用例",
        "not_written": "未计入：尚未实现的函数（NotImplementedError）导致的 {count} 个未通过用例。",
        "no_mistakes": "没有识别出已知错误。",
        "example_title": "{exercise} · {mistake}：一个示例",
        "example_from": "来自 {pseudonym} 的提交：",
        "back": "返回报告",
    },
}


def label(lang: str, key: str, **params) -> str:
    return LABELS[lang][key].format(**params)
