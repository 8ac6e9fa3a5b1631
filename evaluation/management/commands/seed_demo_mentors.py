"""The demo cohort's 带教: the demo trainer mentors a few recruits, whose checklists are under way (items
signed off, one waiting for sign-off, one sent back). Run after seed_demo and import_content (scripts/setup
does); running it again changes nothing."""

import logging

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from accounts.models import User
from courses.demo import COHORT_NAME
from courses.models import Cohort
from evaluation import mentor_services as services
from evaluation.models import ItemProgress, Mentorship

MENTOR = "trainer@demo.local"
MANAGER = "manager@demo.local"
RECRUIT = "recruit@demo.local"
RECRUITS = 4
# (item, note, link, what the mentor does: sign_off, send_back or nothing)
STEPS = [
    (
        "group-profile",
        "写好了社群档案，主管确认了两个核心数字：周活跃人数和入群七天留存。",
        "https://example.com/docs/profile",
        "sign_off",
    ),
    (
        "first-weekly-report",
        "第三周的周报按模板写完，周五下午发给了主管。",
        "https://example.com/docs/weekly-3",
        "sign_off",
    ),
    ("welcome-newcomers", "接待了 12 位新成员，回访了 5 位没发言的。", "", "send_back"),
    ("rules-on-duty", "完成一周值班，处理了两次广告。", "", ""),
]
SEND_BACK = "回访名单里没写回访后谁开始发言了，补上结果再提交。"


class Command(BaseCommand):
    help = "Give the demo cohort a mentor and checklists in progress (after seed_demo and import_content)."

    def handle(self, *args, **options):
        cohort = Cohort.objects.select_related("course").filter(name=COHORT_NAME).first()
        if cohort is None:
            raise CommandError("no demo cohort: run seed_demo first")
        if Mentorship.objects.filter(cohort=cohort).exists():
            return
        mentor, manager = User.objects.get(email=MENTOR), User.objects.get(email=MANAGER)
        # The demo recruit first (the login the README gives), then the first others by email.
        members = cohort.members.order_by("email")
        recruits = [*members.filter(email=RECRUIT), *members.exclude(email=RECRUIT)[: RECRUITS - 1]]
        # The send-back emails go to memory and task logs stay quiet, as in seed_demo.
        logging.disable(logging.INFO)
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                self._populate(cohort=cohort, mentor=mentor, manager=manager, recruits=recruits)
        finally:
            logging.disable(logging.NOTSET)
        if options["verbosity"] >= 1:
            self.stdout.write(f"Demo mentors: {MENTOR} mentors {len(recruits)} recruit(s).")

    def _populate(self, *, cohort, mentor, manager, recruits) -> None:
        with transaction.atomic():
            for n, recruit in enumerate(recruits):
                services.mentor_assign(
                    cohort=cohort, recruit_id=recruit.pk, mentor_name=mentor.email, acting_user=manager
                )
                progress = {
                    p.item.key: p.pk
                    for p in ItemProgress.objects.filter(run__user=recruit).select_related("item")
                }
                for key, note, link, decision in STEPS[: len(STEPS) - n % 2]:
                    if key not in progress:
                        continue
                    services.item_submit(user=recruit, progress_id=progress[key], note=note, link=link)
                    if decision:
                        comment = SEND_BACK if decision == services.SEND_BACK else "做得扎实。"
                        services.item_review(
                            mentor=mentor, progress_id=progress[key], decision=decision, comment=comment
                        )
