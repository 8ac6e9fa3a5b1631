from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.authoring.loader import load_tree


class Command(BaseCommand):
    help = "Check content files and report every problem as file:line: message. Exits 1 on errors."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="module folders, module files or course files")
        parser.add_argument("--root", default=str(settings.CONTENT_ROOT), help="the content folder")

    def handle(self, *args, paths: list[str], root: str, **options):
        tree = load_tree(Path(root), [Path(p) for p in paths] or None)
        for message in tree.messages:
            self.stdout.write(str(message))
        errors, warnings = len(tree.errors), len(tree.warnings)
        summary = (
            f"{len(tree.modules)} modules, {len(tree.courses)} courses: {errors} errors, {warnings} warnings"
        )
        if errors:
            raise CommandError(summary)
        self.stderr.write(summary)
