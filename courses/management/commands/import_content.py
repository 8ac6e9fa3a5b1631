import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from courses.authoring.loader import load_tree
from courses.services import ContentError, content_import
from evaluation.defence_rubric import rubrics_load
from evaluation.defence_services import rubrics_import
from evaluation.mentor_services import checklists_publish


class Command(BaseCommand):
    help = (
        "Import content: all or nothing, unchanged modules write nothing, changed ones become new versions."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="module folders, module files or course files")
        parser.add_argument("--root", default=str(settings.CONTENT_ROOT), help="the content folder")
        parser.add_argument(
            "--force-files",
            action="store_true",
            help="publish the files even over modules whose current version was edited in the site",
        )

    def handle(self, *args, paths: list[str], root: str, force_files: bool = False, **options):
        tree = load_tree(Path(root), [Path(p) for p in paths] or None)
        rubrics, rubric_messages = rubrics_load(Path(root)) if not paths else ([], [])
        tree.messages.extend(rubric_messages)  # all or nothing: a bad rubric stops the whole import
        for message in tree.warnings:
            self.stderr.write(str(message))
        total = len(tree.modules)
        done = 0
        tty = sys.stderr.isatty()

        def progress(slug: str) -> None:
            nonlocal done
            done += 1
            if tty:
                bar = "#" * (30 * done // max(total, 1))
                sys.stderr.write(f"\r[{bar:<30}] {done}/{total} {slug:<30}")
                sys.stderr.flush()

        try:
            # One transaction for modules, tracks, checklists and defence rubrics: all or nothing.
            with transaction.atomic():
                report = content_import(
                    tree=tree, on_progress=progress, protect_site_versions=not force_files
                )
                checklists = checklists_publish(specs=tree.checklists)
                rubrics_published = rubrics_import(rubrics=rubrics)
        except ContentError as exc:
            for message in exc.messages:
                self.stderr.write(str(message))
            raise CommandError(f"{len(exc.messages)} errors: nothing was imported") from None
        if tty:
            sys.stderr.write("\n")
        for line in [*report.published, *checklists.published]:
            self.stdout.write(f"published {line}")
        for line in rubrics_published:
            self.stdout.write(f"published defence rubric {line}")
        for slug in report.kept:
            self.stdout.write(
                f"kept (edited in site) {slug}: its file differs; --force-files publishes the file"
            )
        self.stdout.write(
            f"{len(report.published)} published, {len(report.unchanged)} unchanged, {len(report.kept)} kept, "
            f"{len(report.courses_changed)} courses updated, {report.retired_questions} questions retired, "
            f"{len(checklists.published)} checklists published"
        )
