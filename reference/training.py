"""The provided training loop, bound to the reference's layers.

Its one copy is assignments/training.py, which students get whole; this module runs that
file's code as `reference.training`, so its `from .layers import softmax_cross_entropy`
takes the reference's loss. `convlab release` leaves assignments/training.py alone.
"""
from pathlib import Path

_PROVIDED = Path(__file__).resolve().parent.parent / "assignments" / "training.py"
if _PROVIDED == Path(__file__).resolve():
    raise ImportError("this is reference/training.py copied as assignments/training.py: copy assignments/training.py instead")
exec(compile(_PROVIDED.read_text(encoding="utf-8"), str(_PROVIDED), "exec"))  # noqa: S102 - the course's own file
