"""Reporters: the one result model rendered for people and for other programs.

- table: the terminal table (`render_table`), and `render_overview` for many submissions, drawn
  with rich (console: rendering and colour; cjk: line breaks in Chinese; unfinished: exercises
  not started; labels: the frame's words from the message catalog)
- gradescope: Gradescope's results.json (`gradescope_results`)
- summary: the scoreboard's JSON summary (`summary`)
- atomic: every file is written through `write_json_atomic` / `write_text_atomic`
"""
from .atomic import write_bytes_atomic, write_json_atomic, write_text_atomic
from .gradescope import gradescope_results
from .overview import render_overview
from .summary import summary
from .table import render_table

__all__ = [
    "gradescope_results",
    "render_overview",
    "render_table",
    "summary",
    "write_bytes_atomic",
    "write_json_atomic",
    "write_text_atomic",
]
