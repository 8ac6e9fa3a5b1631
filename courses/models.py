import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class SkillArea(models.TextChoices):
    FUNDAMENTALS = "fundamentals", _("Fundamentals")
    MANAGEMENT = "management", _("Community management")
    GROWTH = "growth", _("Growth")
    DATA_ANALYSIS = "data-analysis", _("Data analysis")
    CONTENT = "content", _("Content")
    CULTURE = "culture", _("Culture")
    CRISIS = "crisis", _("Crisis handling")
    LEARNING = "learning", _("Continuous learning")


class Level(models.TextChoices):
    JUNIOR = "junior", _("Junior (初级)")
    INTERMEDIATE = "intermediate", _("Intermediate (中级)")
    SENIOR = "senior", _("Senior (高级)")
    MANAGER = "manager", _("Manager (经理)")


class Bilingual:
    """Pick the English title or summary when the interface speaks English and one exists."""

    @property
    def display_title(self) -> str:
        if (get_language() or "").startswith("en") and self.title_en:
            return self.title_en
        return self.title

    @property
    def display_summary(self) -> str:
        if (get_language() or "").startswith("en") and self.summary_en:
            return self.summary_en
        return self.summary


class Module(Bilingual, models.Model):
    """A module's stable identity. Its content lives in immutable ModuleVersions."""

    slug = models.SlugField(unique=True, max_length=80)
    # Denormalised from the current version so the catalogue needs one query.
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    skill_area = models.CharField(max_length=20, choices=SkillArea.choices)
    level = models.CharField(max_length=16, choices=Level.choices)
    position = models.PositiveIntegerField(default=0)
    current_version = models.ForeignKey(
        "ModuleVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_path = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.slug


class Origin(models.TextChoices):
    CONTENT = "content", _("content/ files")
    SITE = "site", _("edited in the site")


class ModuleVersion(Bilingual, models.Model):
    """One published, immutable version of a module. Attempts point at the version they were served."""

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    source_hash = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    skill_area = models.CharField(max_length=20, choices=SkillArea.choices)
    level = models.CharField(max_length=16, choices=Level.choices)
    estimated_minutes = models.PositiveIntegerField(default=0)
    pass_mark = models.PositiveSmallIntegerField(default=70)
    prerequisites = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    intro_html = models.TextField(blank=True)
    source = models.TextField(blank=True, help_text="The Markdown this version was published from.")
    # Where the version came from; import_content keeps a site-edited version unless --force-files.
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.CONTENT)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["module", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["module", "number"], name="moduleversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.module.slug} v{self.number}"


class ModuleDraft(models.Model):
    """Unpublished edits to one module made in the site: one draft per module slug, shared by trainers."""

    slug = models.SlugField(unique=True, max_length=80)
    source = models.TextField(help_text="The whole module as one Markdown file.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    base_version = models.ForeignKey(
        ModuleVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The published version the draft started from.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"draft of {self.slug}"


class Lesson(models.Model):
    """A lesson of one module version, stored rendered and sanitised."""

    version = models.ForeignKey(ModuleVersion, on_delete=models.CASCADE, related_name="lessons")
    key = models.SlugField(max_length=80, help_text="The author's stable lesson id.")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body_html = models.TextField()
    source_line = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="lesson_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title


class Course(Bilingual, models.Model):
    """An ordered learning path of modules; also a certification track when it has a rule."""

    slug = models.SlugField(unique=True, max_length=80)
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    level = models.CharField(max_length=16, choices=Level.choices)
    description_html = models.TextField(blank=True)
    certification = models.JSONField(default=dict, blank=True)
    review_cards = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Spaced-review cards a day for this track's recruits; empty: 5."
    )
    source_hash = models.CharField(max_length=64, blank=True)
    position = models.PositiveIntegerField(default=0)
    modules = models.ManyToManyField(Module, through="CourseModule", related_name="courses")

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.slug


class CourseModule(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="course_modules")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    required = models.BooleanField(default=True)
    due_days = models.PositiveIntegerField(default=0)
    # False when the course's `no_test_out:` names the module: no pre-test for its recruits, and a
    # tested-out pass does not count toward its certificate.
    test_out = models.BooleanField(default=True)

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "module"], name="coursemodule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.position} module {self.module_id}"


class Cohort(models.Model):
    """A hiring batch or team: recruits starting together on one course, seen by its managers."""

    name = models.CharField(_("name"), max_length=120)
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("course")
    )
    start_date = models.DateField(_("start date"))
    description = models.TextField(_("description"), blank=True)
    managers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="managed_cohorts")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CohortMembership", related_name="cohorts"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "name"]

    def __str__(self) -> str:
        return self.name


class CohortMembership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="cohortmembership_unique"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} in cohort {self.cohort_id}"


class CohortSummary(models.Model):
    """The cohort overview's summaries over the whole cohort (totals, per-module numbers, chart data), for
    each status × overdue filter: computed by a reports task (courses.cohort_summary), read by the page.

    ``requested_at`` and ``computed_at`` follow the item analysis's freshness rule (assessments.analysis):
    the numbers in ``data`` belong to the claim ``data["as_of"]`` and are current while it equals
    ``computed_at`` and nothing was requested after it.
    """

    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, primary_key=True, related_name="summary")
    requested_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"summary of cohort {self.cohort_id}"


class LessonRead(models.Model):
    """A recruit has read a lesson. Lessons are identified by module and author key across versions."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+")
    lesson_key = models.SlugField(max_length=80)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module", "lesson_key"], name="lessonread_unique"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} read {self.lesson_key}"


class PassedVia(models.TextChoices):
    NOT_YET = "", _("Not passed")
    STUDY = "study", _("Passed the quiz")
    TEST_OUT = "test_out", _("Tested out")


class ModuleProgress(models.Model):
    """Persisted aggregate per recruit × module, updated by services, read by every dashboard.

    ``passed`` means the whole module: its quiz and every drill passed at the module's pass mark.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+")
    lessons_read = models.PositiveIntegerField(default=0)
    lessons_total = models.PositiveIntegerField(default=0)
    quiz_attempts = models.PositiveIntegerField(default=0)
    quiz_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    quiz_passed = models.BooleanField(default=False)
    quiz_passed_at = models.DateTimeField(null=True, blank=True)
    # drill key -> {"score": "85.00" | None, "passed": bool, "attempts": n, "awaiting_review": bool}
    drill_results = models.JSONField(default=dict, blank=True)
    drills_total = models.PositiveSmallIntegerField(default=0)
    drills_passed = models.PositiveSmallIntegerField(default=0)
    awaiting_review = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0, help_text="Graded quiz and drill attempts.")
    score = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Mean of the counted results."
    )
    passed = models.BooleanField(default=False)
    passed_at = models.DateTimeField(null=True, blank=True)
    # How the module was passed: its quiz and drills, or a pre-test at or above the pass mark (test-out).
    passed_via = models.CharField(
        max_length=8, choices=PassedVia.choices, default=PassedVia.NOT_YET, blank=True
    )
    test_out_score = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="The pre-test's percent score."
    )
    last_activity_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="moduleprogress_unique"),
        ]
        indexes = [models.Index(fields=["module", "passed"], name="moduleprogress_module_passed")]

    def __str__(self) -> str:
        return f"user {self.user_id} × module {self.module_id}"

    @property
    def tested_out(self) -> bool:
        return self.passed_via == PassedVia.TEST_OUT

    @property
    def lessons_percent(self) -> int:
        if not self.lessons_total:
            return 0
        return round(100 * self.lessons_read / self.lessons_total)


class Enrolment(models.Model):
    """A recruit on a course from a start date, through a cohort or on their own.

    The progress columns are a persisted aggregate, updated with every ModuleProgress change of the recruit,
    so dashboards read them in a fixed number of queries. ``next_due_date`` is the earliest due date of a
    required module not yet passed: the recruit is overdue exactly when it lies in the past.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    cohort = models.ForeignKey(
        Cohort, on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolments"
    )
    start_date = models.DateField(_("start date"))
    modules_total = models.PositiveSmallIntegerField(default=0, help_text="Required modules.")
    modules_passed = models.PositiveSmallIntegerField(default=0)
    percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    average_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    awaiting_review = models.PositiveSmallIntegerField(default=0)
    next_due_date = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course", "start_date"]
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="enrolment_unique")]
        indexes = [models.Index(fields=["cohort", "user"], name="enrolment_cohort_user")]

    def __str__(self) -> str:
        return f"user {self.user_id} on course {self.course_id}"


class SkillProgress(models.Model):
    """Persisted aggregate per recruit × skill area, for strengths, weaknesses and readiness."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    skill_area = models.CharField(max_length=20, choices=SkillArea.choices)
    modules_total = models.PositiveSmallIntegerField(default=0)
    modules_passed = models.PositiveSmallIntegerField(default=0)
    average_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "skill_area"]
        constraints = [
            models.UniqueConstraint(fields=["user", "skill_area"], name="skillprogress_unique"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} × {self.skill_area}"


class Invitation(models.Model):
    """An emailed link that signs a person up (or in) straight into a cohort. Only a digest of the token
    is stored, so the table cannot be turned back into working links."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["cohort", "email"], name="invitation_cohort_email")]

    def __str__(self) -> str:
        return f"invitation of {self.email} to cohort {self.cohort_id}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """A cohort export too large for one request, written by a reports task, downloaded by its owner."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(max_length=4, choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    params = models.JSONField(default=dict, blank=True, help_text="The dashboard's filters and sort.")
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING, db_index=True
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"export {self.public_id} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(100, round(100 * self.done / self.total)) if self.total else 0
