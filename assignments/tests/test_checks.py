"""Every check of the grader, run on your code with the public seed: one test per check.

The cases, the comparisons, the named mistakes and the messages are the grader's own
(autograder/visible.py), so a check that passes here passes in `convlab check` and in
the grader with the same code; the grader's hidden cases come from another seed.
"""
import pytest

from autograder.visible import check_test, visible_checks

CHECKS = [
    pytest.param(check, id=check.name, marks=[getattr(pytest.mark, marker) for marker in check.markers])
    for check in visible_checks()
]


@pytest.mark.parametrize("check", CHECKS)
def test_check(check, impl, lang):
    check_test(check, impl, lang)
