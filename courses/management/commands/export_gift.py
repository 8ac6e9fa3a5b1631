"""export_gift: one quiz of the content tree as a Moodle GIFT file (stdout, or --output)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.authoring.gift import export_gift, export_losses
from courses.authoring.loader import load_tree


class Command(BaseCommand):
    help = "Export a quiz from content/ as Moodle GIFT; what GIFT cannot hold is listed as warnings."

    def add_arguments(self, parser):
        parser.add_argument("module", help="slug of the module")
        parser.add_argument("quiz", help="id of the quiz in that module")
        parser.add_argument("--output", default="", help="write the GIFT to this file instead of stdout")
        parser.add_argument("--root", default=str(settings.CONTENT_ROOT), help="the content folder")

    def handle(self, *args, module: str, quiz: str, output: str, root: str, **options):
        tree = load_tree(Path(root))
        found = next((m for m in tree.modules if m.slug == module), None)
        if found is None:
            raise CommandError(f"no module with slug '{module}' in {Path(root) / 'modules'}")
        main = Path(found.path)
        folder = str(main.parent) + "/" if main.name == "module.md" else ""
        errors = [m for m in tree.errors if m.path == found.path or (folder and m.path.startswith(folder))]
        if errors:
            for message in errors:
                self.stderr.write(str(message))
            raise CommandError(f"module '{module}' has {len(errors)} errors: fix them before exporting")
        chosen = next((q for q in found.quizzes if q.id == quiz), None)
        if chosen is None:
            known = ", ".join(q.id for q in found.quizzes) or "none"
            raise CommandError(f"module '{module}' has no quiz '{quiz}' (its quizzes: {known})")
        for q in chosen.questions:
            for loss in export_losses(q):
                self.stderr.write(f"{q.path}:{q.line}: warning: question '{q.id}': {loss}")
        header = f"// {found.slug}/{chosen.id}" + (f": {chosen.title}" if chosen.title else "")
        text = header + "\n\n" + export_gift(chosen.questions)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {len(chosen.questions)} questions to {output}")
        else:
            self.stdout.write(text, ending="")
