"""`convlab similarity RESULTS --out DIR`: the most similar pairs of submissions, for instructors.

Each submission's student modules (kept by the batch beside its record) become one
document: the modules in course order, without docstrings (the stubs hand every student
the same ones). copydetect (the winnowing algorithm of MOSS) tokenises it, replaces names
with one letter each, drops comments and whitespace, and fingerprints its k-grams; every
fingerprint of the stubs' own code (signatures, `raise NotImplementedError` lines) is
boilerplate and does not count. A pair's share is the part of each document's fingerprinted
tokens that the other holds too; pairs are ranked by the larger of the two shares, so a
student who copied a whole solution and added to it still ranks high. Renaming variables,
reformatting and reordering functions change nothing that is fingerprinted.

    DIR/pairs.csv    every pair of different students, most similar first
    DIR/index.html   the ranking, then the top pairs side by side, shared code highlighted

Each student counts with their latest submission.
"""
from __future__ import annotations

import ast
import csv
import io
import itertools
from dataclasses import dataclass
from html import escape
from pathlib import Path

from ..paths import STUDENT_MODULES
from ..report.atomic import write_text_atomic
from .labels import label
from .page import check_out, mark_report, write_page
from .records import Graded, ReportError, latest_per_student, load_graded

NOISE_TOKENS = 20  # k: matches shorter than this many (filtered) tokens are noise
WINDOW = 4  # winnowing window: at least one fingerprint per NOISE_TOKENS + WINDOW - 1 tokens
SHOWN_PAIRS = 25  # pairs drawn side by side in index.html (pairs.csv has them all)
LISTED_PAIRS = 200  # pairs listed in index.html's ranking


@dataclass
class Pair:
    first: Graded
    second: Graded
    shares: tuple[float, float]
    tokens: int
    slices: tuple  # copydetect's copied slices in each document

    @property
    def share(self) -> float:
        return max(self.shares)


def without_docstrings(source: str) -> str:
    """source with the docstrings of its module, classes and functions removed (lines kept as blank)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.splitlines(keepends=True)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                for line in range(first.lineno - 1, first.end_lineno):
                    lines[line] = "\n"
    text = "".join(lines)
    # Collapse the blank runs the removal leaves.
    while "\n\n\n\n" in text:
        text = text.replace("\n\n\n\n", "\n\n\n")
    return text


def document(code: dict[str, str]) -> str:
    """One text of a submission's student modules, in course order, without docstrings."""
    parts = []
    for module in STUDENT_MODULES:
        name = f"{module}.py"
        if name in code:
            parts.append(f"# ---- {name}\n{without_docstrings(code[name]).strip()}\n")
    return "\n".join(parts)


def _fingerprint(text: str, boilerplate=None, window: int = WINDOW):
    from copydetect import CodeFingerprint

    return CodeFingerprint("submission.py", NOISE_TOKENS, window, boilerplate=boilerplate, fp=io.StringIO(text))


def stub_boilerplate():
    """Every k-gram fingerprint of the stubs students start from (the generated assignments/)."""
    import numpy as np

    from ..release import render_assignments

    stubs = render_assignments()
    text = document({name: stubs[name] for name in stubs})
    return np.array(sorted(_fingerprint(text, window=1).hashes))


def rank_pairs(graded: list[Graded]) -> list[Pair]:
    """Every pair of submissions of different students, most similar first."""
    from copydetect import compare_files

    boilerplate = stub_boilerplate()
    documents = {item.record["key"]: document(item.code()) for item in graded}
    prints = {key: _fingerprint(text, boilerplate) for key, text in documents.items()}
    pairs = []
    for first, second in itertools.combinations(graded, 2):
        if first.student == second.student:
            continue
        tokens, shares, slices = compare_files(prints[first.record["key"]], prints[second.record["key"]])
        pairs.append(Pair(first, second, (float(shares[0]), float(shares[1])), int(tokens), slices))
    pairs.sort(key=lambda pair: (-pair.share, -min(pair.shares), pair.first.name, pair.second.name))
    return pairs


def pairs_csv(pairs: list[Pair]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["rank", "submission_a", "submission_b", "student_a", "student_b", "share", "share_of_a", "share_of_b", "shared_tokens"])
    for rank, pair in enumerate(pairs, 1):
        writer.writerow([
            rank, _safe(pair.first.name), _safe(pair.second.name), _safe(pair.first.student), _safe(pair.second.student),
            f"{pair.share:.3f}", f"{pair.shares[0]:.3f}", f"{pair.shares[1]:.3f}", pair.tokens,
        ])
    return buffer.getvalue()


def _safe(text: str) -> str:
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def _percent(value: float) -> str:
    return f"{100 * value:.0f} %"


def _highlighted(text: str, slices) -> str:
    from copydetect.utils import highlight_overlap

    if slices is None or len(slices) == 0 or slices.shape[-1] == 0:
        return escape(text)
    marked, _ = highlight_overlap(text, slices, "<mark>", "</mark>", escape_html=True)
    return marked


def index_html(pairs: list[Pair], missing: list[str], lang: str) -> str:
    from importlib.metadata import version

    rows = []
    for rank, pair in enumerate(pairs[:LISTED_PAIRS], 1):
        link = f'<a href="#pair-{rank}">{rank}</a>' if rank <= SHOWN_PAIRS else str(rank)
        rows.append(
            f'<tr><td class="num">{link}</td><td>{escape(pair.first.name)}</td><td>{escape(pair.second.name)}</td>'
            f'<td class="num">{_percent(pair.share)}</td>'
            f'<td class="muted">{escape(label(lang, "shared_of", first=_percent(pair.shares[0]), second=_percent(pair.shares[1])))}</td></tr>'
        )
    body = [
        f"<p>{escape(label(lang, 'similarity_intro', version=version('copydetect'), k=NOISE_TOKENS))}</p>",
        '<p><a href="pairs.csv">pairs.csv</a></p>',
    ]
    if missing:
        body.append(f'<p class="muted">{escape(label(lang, "no_code", names=", ".join(missing)))}</p>')
    body.append(
        f'<table id="pairs"><thead><tr><th class="num">{label(lang, "rank")}</th><th>{label(lang, "first")} A</th>'
        f'<th>{label(lang, "second")} B</th><th class="num">{label(lang, "shared")}</th><th></th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table>'
    )
    body.append(f"<h2>{escape(label(lang, 'side_by_side'))}</h2>")
    for rank, pair in enumerate(pairs[:SHOWN_PAIRS], 1):
        left = _highlighted(document(pair.first.code()), pair.slices[0])
        right = _highlighted(document(pair.second.code()), pair.slices[1])
        body.append(
            f'<section id="pair-{rank}"><h3>{rank}. {escape(pair.first.name)} · {escape(pair.second.name)} · {_percent(pair.share)}</h3>'
            f'<div class="pair"><pre>{left}</pre><pre>{right}</pre></div></section>'
        )
    return "\n".join(body)


def write_similarity_report(results: list[Path], out: Path, lang: str = "en") -> list[Pair]:
    """Write DIR/pairs.csv and DIR/index.html; return the ranked pairs."""
    out = check_out(out)
    graded = latest_per_student(load_graded(results))
    with_code = [item for item in graded if item.record.get("code")]
    missing = [item.name for item in graded if not item.record.get("code")]
    if len(with_code) < 2:
        raise ReportError(f"fewer than two submissions with code in {', '.join(map(str, results))}: nothing to compare")
    pairs = rank_pairs(with_code)
    out.mkdir(parents=True, exist_ok=True)
    mark_report(out)
    write_text_atomic(out / "pairs.csv", pairs_csv(pairs))
    write_page(out / "index.html", label(lang, "similarity_title"), index_html(pairs, missing, lang), lang)
    return pairs
