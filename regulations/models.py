"""The institution-building register (建章立制台账): rules, their drafts and their 会商 rounds."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.models import Finding, Inspection, Measure, Tag
from meetings.models import Meeting
from organization.models import Organization, Person, ScopedQuerySet, Unit
from regulations.choices import LONG_TERM_KINDS, Decision, RuleKind, Stage, Stance


class StoredFile(models.Model):
    """The private file fields shared by a draft and an issued document (content-addressed)."""

    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()

    class Meta:
        abstract = True


class Rule(models.Model):
    """制度 (rule): one entry of the 建章立制 register.

    A long-term system (管长远: 制度, 办法, 规定) or a short-term working document (管阶段:
    工作要点, 责任清单, 任务分工表), drafted by a lead department with consulted departments
    (会商研讨机制), deliberated (审议), issued (印发) with a document number (文号), and later
    evaluated (评估) against 可执行、可监督、可检查、可问责. Its stage changes only through the
    named services of `regulations.services`.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="rules")
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="rules", verbose_name=_("inspection")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=RuleKind.choices)
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="led_rules", verbose_name=_("lead department")
    )
    consulted_units = models.ManyToManyField(
        Unit, blank=True, related_name="consulted_rules", verbose_name=_("consulted departments")
    )
    findings = models.ManyToManyField(
        Finding, blank=True, related_name="rules", verbose_name=_("findings")
    )
    measures = models.ManyToManyField(
        Measure, blank=True, related_name="rules", verbose_name=_("measures")
    )
    # Campaigns (专题活动) the rule is built for, e.g. 党史学习教育.
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="rules", verbose_name=_("campaigns")
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.DRAFTING
    )
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    drafting_due = models.DateField(_("drafting due"), null=True, blank=True)
    consulting_due = models.DateField(_("consultation due"), null=True, blank=True)
    deliberating_due = models.DateField(_("deliberation due"), null=True, blank=True)
    issuing_due = models.DateField(_("issue due"), null=True, blank=True)
    evaluating_due = models.DateField(_("evaluation due"), null=True, blank=True)
    # 审议: the deciding meeting held in the system, or named as free text when it was held
    # outside it (the text is kept either way, so the register reads the same).
    deciding_meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliberated_rules",
        verbose_name=_("deliberating meeting"),
    )
    deliberation_meeting = models.CharField(_("deciding meeting"), max_length=200, blank=True)
    deliberated_on = models.DateField(_("deliberated on"), null=True, blank=True)
    # 印发.
    issue_number = models.CharField(_("document number (文号)"), max_length=80, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issued_sha256 = models.CharField(max_length=64, blank=True)
    issued_name = models.CharField(max_length=255, blank=True)
    issued_content_type = models.CharField(max_length=120, blank=True)
    issued_size = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["inspection_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage__in=[Stage.EVALUATING, Stage.DONE])
                | (~Q(issue_number="") & Q(issued_on__isnull=False) & ~Q(issued_sha256="")),
                name="rule_issued_has_number_date_file",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_long_term(self) -> bool:
        return self.kind in LONG_TERM_KINDS

    @property
    def current_due(self):  # type: ignore[no-untyped-def]
        """The due date of the stage the rule is in (None once evaluated)."""
        return getattr(self, f"{self.stage}_due", None)


class DraftVersion(StoredFile):
    """草稿版本 (draft version): every draft of a rule is kept as a file, numbered 1, 2, …"""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="drafts")
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(blank=True)  # extracted from a .docx, for the diff
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("draft version")
        verbose_name_plural = _("draft versions")
        ordering = ["rule_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="draft_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.rule} v{self.number}"

    @property
    def is_docx(self) -> bool:
        return self.original_name.lower().endswith(".docx")


class ConsultationRound(models.Model):
    """会商轮次 (consultation round): one draft put to the consulted departments."""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveIntegerField(_("round"))
    draft = models.ForeignKey(DraftVersion, on_delete=models.PROTECT, related_name="rounds")
    opened_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation round")
        verbose_name_plural = _("consultation rounds")
        ordering = ["rule_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="round_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.rule} #{self.number}"


class Opinion(models.Model):
    """会商意见 (opinion): one consulted department's answer in one round."""

    round = models.ForeignKey(ConsultationRound, on_delete=models.PROTECT, related_name="opinions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    stance = models.CharField(_("opinion"), max_length=12, choices=Stance.choices)
    comments = models.TextField(_("comments or reasons"), blank=True)
    answered_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["round_id", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="opinion_once_per_round"),
            models.CheckConstraint(
                condition=Q(stance=Stance.AGREE) | ~Q(comments=""),
                name="opinion_comments_unless_agree",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_stance_display()}"

    @property
    def needs_reply(self) -> bool:
        return self.stance != Stance.AGREE


class Reply(models.Model):
    """意见答复 (reply): the lead department's answer to a comment — 采纳 / 部分采纳 / 不采纳."""

    opinion = models.OneToOneField(Opinion, on_delete=models.PROTECT, related_name="reply")
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    reason = models.TextField(_("reason"), blank=True)
    replied_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    replied_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision=Decision.ADOPTED) | ~Q(reason=""),
                name="reply_reason_unless_adopted",
            ),
        ]

    def __str__(self) -> str:
        return self.get_decision_display()


class Evaluation(models.Model):
    """制度评估 (evaluation): an issued rule checked against 可执行、可监督、可检查、可问责."""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="evaluations")
    evaluator = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("evaluator")
    )
    evaluated_on = models.DateField(_("evaluated on"))
    executable = models.BooleanField(_("executable (可执行)"))
    executable_note = models.TextField(blank=True)
    supervisable = models.BooleanField(_("supervisable (可监督)"))
    supervisable_note = models.TextField(blank=True)
    checkable = models.BooleanField(_("checkable (可检查)"))
    checkable_note = models.TextField(blank=True)
    accountable = models.BooleanField(_("accountable (可问责)"))
    accountable_note = models.TextField(blank=True)
    # The 整改措施 created to revise a rule that failed.
    revision_measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["rule_id", "-id"]

    def __str__(self) -> str:
        return f"{self.rule} {self.evaluated_on}"

    @property
    def passed(self) -> bool:
        return self.executable and self.supervisable and self.checkable and self.accountable
