from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from courses.authoring.loader import load_tree
from evaluation.defence_rubric import rubrics_load


class Command(BaseCommand):
    help = "Check content files and report every problem as file:line: message. Exits 1 on errors."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="module folders, module files or course files")
        parser.add_argument("--root", default=str(settings.CONTENT_ROOT), help="the content folder")
        parser.add_argument(
            "--lang",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="language of the messages (default: %(default)s)",
        )

    def handle(self, *args, paths: list[str], root: str, lang: str, **options):
        with translation.override(lang):
            tree = load_tree(Path(root), [Path(p) for p in paths] or None)
            if not paths:
                tree.messages.extend(rubrics_load(Path(root))[1])
            for message in tree.messages:
                self.stdout.write(message.localized_line())
        errors, warnings, notes = len(tree.errors), len(tree.warnings), len(tree.notes)
        summary = (
            f"{len(tree.modules)} modules, {len(tree.courses)} courses, {len(tree.checklists)} checklists: "
            f"{errors} errors, {warnings} warnings, {notes} notes"
        )
        if errors:
            raise CommandError(summary)
        self.stderr.write(summary)
