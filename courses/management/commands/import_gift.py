"""import_gift: a Moodle GIFT file becomes a new ``::: quiz`` of a module, written as content Markdown.

The questions go into ``content/`` (the source of truth), never straight into the database: the command
writes ``modules/<folder>/gift-<quiz>.md`` (or appends the quiz to a single-file module) after checking that
the module still parses and validates with it; the trainer then publishes with check_content and
import_content as usual. Any error in the GIFT file writes nothing.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.authoring.gift import ID_RE, parse_gift, unique_ids
from courses.authoring.loader import MAX_FILE_BYTES, load_tree
from courses.authoring.markdown_out import MarkdownOutError, quiz_to_markdown, to_markdown
from courses.authoring.parser import parse_module
from courses.authoring.specs import ContentTree, Message, Module
from courses.authoring.validate import validate_tree


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path}: the file is larger than {MAX_FILE_BYTES:,} bytes")
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}:1: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file: {exc.strerror}") from None


def _module_files(root: Path, module: Module) -> tuple[list[Path], bool]:
    """The module's source files in the loader's order, and whether the module is a folder."""
    main = root / module.path
    if main.name == "module.md" and main.parent.parent == root / "modules":
        others = sorted(
            p for p in main.parent.glob("*.md") if p.name != "module.md" and not p.name.startswith(".")
        )
        return [main, *others], True
    return [main], False


def _write(path: Path, text: str) -> None:
    """Write a whole file or nothing: a dot-named temporary file (the loader skips those), then a rename."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


class Command(BaseCommand):
    help = (
        "Import a Moodle GIFT file as a new quiz of a module, written as content Markdown; "
        "then run check_content and import_content."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the GIFT file (UTF-8)")
        parser.add_argument("--module", required=True, help="slug of the module that gets the quiz")
        parser.add_argument("--quiz", required=True, help="id of the new quiz (letters, digits, '-', '_')")
        parser.add_argument("--title", default="", help="title of the new quiz (default: the file name)")
        parser.add_argument("--root", default=str(settings.CONTENT_ROOT), help="the content folder")

    def handle(self, *args, file: str, module: str, quiz: str, title: str, root: str, **options):
        source = Path(file)
        questions, messages = parse_gift(_read(source), str(source))
        for message in messages:
            self.stderr.write(str(message))
        errors = [m for m in messages if m.level == "error"]
        if errors:
            raise CommandError(f"{len(errors)} errors in {source}: nothing was written")
        if not questions:
            raise CommandError(f"{source} has no question a quiz can use: nothing was written")

        content = Path(root)
        tree = load_tree(content)
        target_module = next((m for m in tree.modules if m.slug == module), None)
        if target_module is None:
            raise CommandError(f"no module with slug '{module}' in {content / 'modules'}")
        if not ID_RE.match(quiz) or len(quiz) > 80:
            raise CommandError(f"bad quiz id '{quiz}': use letters, digits, '-' and '_' (at most 80)")
        if any(q.id == quiz for q in target_module.quizzes):
            raise CommandError(f"module '{module}' already has a quiz '{quiz}': choose another --quiz")
        taken = {q.id for group in (*target_module.quizzes, *target_module.drills) for q in group.questions}
        for old, new in unique_ids(questions, taken):
            self.stderr.write(f"{source}: question id '{old}' is taken in module '{module}': renamed '{new}'")

        problems = []
        for q in questions:
            try:
                to_markdown(q)
            except MarkdownOutError as exc:
                problems.append(Message(q.path, q.line, str(exc)))
        if problems:
            for message in problems:
                self.stderr.write(str(message))
            raise CommandError(f"{len(problems)} questions have no Markdown form: nothing was written")
        block = quiz_to_markdown(quiz, questions, title=title or source.name)

        files, is_folder = _module_files(content, target_module)
        texts = {path: _read(path) for path in files}
        if is_folder:
            target = files[0].parent / f"gift-{quiz}.md"
            if target.exists():
                raise CommandError(f"{target} already exists: choose another --quiz")
            texts[target] = block
            files = [files[0], *sorted([*files[1:], target])]
        else:
            target = files[0]
            texts[target] = texts[target].rstrip("\n") + "\n\n" + block
        new_errors = self._check(tree, content, [(str(p.relative_to(content)), texts[p]) for p in files])
        if new_errors:
            for message in new_errors:
                self.stderr.write(str(message))
            raise CommandError(f"the module would have {len(new_errors)} new errors: nothing was written")

        _write(target, texts[target])
        skipped = sum(1 for m in messages if "skipped" in m.text)
        self.stdout.write(
            f"wrote quiz '{quiz}' with {len(questions)} questions to {target.relative_to(content)}"
            + (f" ({skipped} skipped, see the warnings)" if skipped else "")
        )
        self.stdout.write("next: python manage.py check_content, then python manage.py import_content")

    @staticmethod
    def _check(tree: ContentTree, content: Path, sources: list[tuple[str, str]]) -> list[Message]:
        """Errors the new file would add: parse the module with it and validate the whole tree again."""
        module, messages = parse_module(sources)
        if module is None:
            return [m for m in messages if m.level == "error"]
        module.path = sources[0][0]
        after = ContentTree(
            modules=[module if m.slug == module.slug else m for m in tree.modules],
            courses=tree.courses,
            messages=list(messages),
        )
        validate_tree(after)
        before = {str(m) for m in tree.errors}
        return [m for m in after.errors if str(m) not in before]
