"""The HTML frame of the instructor reports, and where a report may be written.

A report names students (or their pseudonyms) and shows their code: it must never be
published with the scoreboard. `check_out` refuses an output folder inside or around a
scoreboard site, and every page carries `noindex` and an "instructors only" banner.
The scoreboard command refuses, in turn, a site folder holding a report (REPORT_MARKER).
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from ..report.atomic import write_text_atomic
from ..scoreboard.pseudonyms import INSTRUCTOR_REPORT_MARKER as REPORT_MARKER
from .labels import label
from .records import ReportError

SITE_MARKER = "scoreboard.json"

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: #1f2933; margin: 0 auto; max-width: 1240px; padding: 20px 24px 40px; line-height: 1.45; }
.private { background: #a23b2a; color: #fff; padding: 8px 12px; border-radius: 6px; font-weight: 600; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { padding: 5px 9px; border-bottom: 1px solid #d9e2ec; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.pair pre { margin: 0; padding: 8px; background: #f5f7fa; border: 1px solid #d9e2ec; border-radius: 6px; overflow-x: auto; font-size: 0.78rem; max-height: 36em; }
mark { background: #ffd98a; }
svg text { font-size: 12px; fill: #1f2933; }
svg rect { fill: #4a90c8; }
.muted { color: #616e7c; }
pre.message { white-space: pre-wrap; background: #f5f7fa; padding: 10px; border-radius: 6px; }
"""


def check_out(out: Path) -> Path:
    """out, refused when it lies inside a scoreboard site or holds one."""
    out = Path(out).resolve()
    for folder in (out, *out.parents):
        if (folder / SITE_MARKER).is_file() and (folder / "index.html").is_file():
            raise ReportError(f"{out} lies inside the scoreboard site {folder}: an instructor report is never published; write it elsewhere")
    if out.is_dir() and any((path.parent / "index.html").is_file() for path in out.rglob(SITE_MARKER)):
        raise ReportError(f"{out} holds a scoreboard site: an instructor report is never published with it; write it elsewhere")
    return out


def write_page(path: Path, title: str, body: str, lang: str) -> Path:
    html = (
        f'<!DOCTYPE html>\n<html lang="{"zh-Hans" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<p class="private">{escape(label(lang, "instructors_only"))}</p>\n<h1>{escape(title)}</h1>\n{body}\n</body>\n</html>\n'
    )
    return write_text_atomic(path, html)


def mark_report(out: Path) -> None:
    write_text_atomic(Path(out) / REPORT_MARKER, "an instructor report: never publish this folder\n")
