"""The grader's table of student functions agrees with the package students import."""
import reference
from autograder.paths import API, ASSIGNMENTS_DIR, PROVIDED_MODULES, REFERENCE_DIR, STUDENT_MODULES


def test_the_grader_and_the_package_place_every_function_in_the_same_file():
    # The grader never imports student or reference code, so it keeps its own copy of the table.
    assert API == reference._HOME
    assert list(API) == reference.__all__


def test_every_reference_file_is_either_a_student_module_or_provided():
    on_disk = {path.stem for path in REFERENCE_DIR.glob("*.py")}
    # data.py and transforms.py live only in assignments/; reference/training.py loads assignments/training.py.
    assert on_disk == set(STUDENT_MODULES) | {"__init__", "training"}
    assert {path.stem for path in ASSIGNMENTS_DIR.glob("*.py")} == set(STUDENT_MODULES) | set(PROVIDED_MODULES) | {"conftest"}
    assert set(API.values()) == set(STUDENT_MODULES)
