"""Choices of the institution-building register (建章立制)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    """管长远 (long-term systems) and 管阶段 (short-term working documents)."""

    SYSTEM = "system", _("System (制度)")
    MEASURES = "measures", _("Measures (办法)")
    PROVISIONS = "provisions", _("Provisions (规定)")
    WORK_POINTS = "work_points", _("Work points (工作要点)")
    RESPONSIBILITY_LIST = "responsibility_list", _("Responsibility list (责任清单)")
    TASK_DIVISION = "task_division", _("Task division table (任务分工表)")


LONG_TERM_KINDS = frozenset({RuleKind.SYSTEM, RuleKind.MEASURES, RuleKind.PROVISIONS})


class Stage(models.TextChoices):
    """起草 → 会商 → 审议 → 印发 → 评估, then 已评估 once an evaluation passed."""

    DRAFTING = "drafting", _("Drafting (起草)")
    CONSULTING = "consulting", _("Consultation (会商)")
    DELIBERATING = "deliberating", _("Deliberation (审议)")
    ISSUING = "issuing", _("Issuing (印发)")
    EVALUATING = "evaluating", _("Evaluation (评估)")
    DONE = "done", _("Evaluated (已评估)")


# The stages that carry a due date of their own (the field holding it is `<stage>_due`).
DATED_STAGES = (
    Stage.DRAFTING,
    Stage.CONSULTING,
    Stage.DELIBERATING,
    Stage.ISSUING,
    Stage.EVALUATING,
)


class Stance(models.TextChoices):
    """A consulted department's answer in one round of 会商."""

    AGREE = "agree", _("Agree")
    AGREE_WITH_COMMENTS = "comments", _("Agree with comments")
    DISAGREE = "disagree", _("Disagree")


class Decision(models.TextChoices):
    """The lead department's answer to a comment."""

    ADOPTED = "adopted", _("Adopted (采纳)")
    PARTLY = "partly", _("Partly adopted (部分采纳)")
    REJECTED = "rejected", _("Not adopted (不采纳)")


# 可执行、可监督、可检查、可问责: the four tests an issued rule is evaluated against.
CRITERIA = (
    ("executable", _("Executable (可执行)")),
    ("supervisable", _("Supervisable (可监督)")),
    ("checkable", _("Checkable (可检查)")),
    ("accountable", _("Accountable (可问责)")),
)
