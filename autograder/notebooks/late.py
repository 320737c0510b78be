"""nbgrader's late-submission plugin applying grading.toml's late policy, notebook by notebook.

course/nbgrader_config.py sets `c.AssignLatePenalties.plugin_class` to ConvlabLatePenalty.
nbgrader calls it for each notebook of a submission its gradebook finds late (its due date:
`convlab autograde` sets it to grading.toml's deadline; with plain nbgrader, run
`nbgrader db assignment add cnn --duedate=...` with the same time). The plugin reads the
submission's timestamp (timestamp.txt) and computes the lateness with grading.toml's own rule
(grace, started days, the student's extension, the cap), and returns that percentage of the
notebook's score. The penalty is a percentage of the points earned, so the notebooks'
penalties add up to the penalty convlab batch and Gradescope take off the whole assignment.
"""
from __future__ import annotations

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Unicode


class ConvlabLatePenalty(LateSubmissionPlugin):
    """penalty = grading.toml's late percentage of this notebook's score."""

    grading_toml = Unicode("", help="the grading policy holding [late] (default: the repository's grading.toml)").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float:
        from ..grades.policy import load_policy
        from ..paths import GRADING_TOML

        late = load_policy(self.grading_toml or GRADING_TOML).late
        preprocessor = self.parent  # nbgrader's AssignLatePenalties, with the gradebook open
        submission = preprocessor.gradebook.find_submission(preprocessor.assignment_id, student_id)
        lateness = late.assess(student_id, submission.timestamp)
        self.log.info("convlab late policy for %s: %s", student_id, lateness.note)
        return lateness.penalty(score or 0.0)
