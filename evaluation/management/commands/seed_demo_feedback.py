"""The demo cohort's ratings: every demo recruit who passed a module rates it, so the trainers' feedback
report has something to show. Run after seed_demo (scripts/setup does); running it again changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from courses.demo import COHORT_NAME
from courses.models import Cohort, ModuleProgress
from evaluation.services import Ratings, feedback_save

# (usefulness, difficulty, clarity, comment, show name): varied, as a real cohort's answers are.
ANSWERS = [
    (5, 3, 4, "案例很贴近日常值班，群规模板拿来就能改。", False),
    (4, 4, 3, "指标那一课的例子再多一点会更好懂。", True),
    (5, 2, 5, "", False),
    (3, 3, 4, "有些题的数字要自己算，一开始没注意到。", False),
    (4, 3, 4, "", False),
    (2, 4, 3, "测验前希望先有一次练习。", False),
]


class Command(BaseCommand):
    help = "Give the demo cohort's recruits ratings of the modules they passed (after seed_demo)."

    def handle(self, *args, **options):
        cohort = Cohort.objects.filter(name=COHORT_NAME).first()
        if cohort is None:
            raise CommandError("no demo cohort: run seed_demo first")
        passed = (
            ModuleProgress.objects.filter(user__in=cohort.members.all(), passed=True)
            .select_related("user", "module")
            .order_by("module__slug", "user__email")
        )
        changed = 0
        for n, progress in enumerate(passed):
            usefulness, difficulty, clarity, comment, show_name = ANSWERS[n % len(ANSWERS)]
            _feedback, did = feedback_save(
                user=progress.user,
                module=progress.module,
                version_id=progress.module.current_version_id,
                ratings=Ratings(usefulness, difficulty, clarity, comment, show_name),
            )
            changed += did
        if options["verbosity"] >= 1:
            self.stdout.write(f"Demo feedback: {changed} rating(s) recorded.")
