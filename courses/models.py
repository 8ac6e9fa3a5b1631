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

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "module"], name="coursemodule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.position} module {self.module_id}"


class Cohort(models.Model):
    """A hiring batch or team: recruits starting together on one course, seen by its managers."""

    name = models.CharField(max_length=120)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="cohorts")
    start_date = models.DateField()
    managers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="managed_cohorts")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CohortMembership", related_name="cohorts"
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


class ModuleProgress(models.Model):
    """Persisted aggregate per recruit × module, updated by services, read by every dashboard."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+")
    lessons_read = models.PositiveIntegerField(default=0)
    lessons_total = models.PositiveIntegerField(default=0)
    quiz_attempts = models.PositiveIntegerField(default=0)
    quiz_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    quiz_passed = models.BooleanField(default=False)
    passed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="moduleprogress_unique"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} × module {self.module_id}"

    @property
    def lessons_percent(self) -> int:
        if not self.lessons_total:
            return 0
        return round(100 * self.lessons_read / self.lessons_total)
