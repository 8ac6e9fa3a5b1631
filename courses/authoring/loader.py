"""Read a content folder into a validated ``ContentTree``; never raises on bad content, always reports.

Layout (docs/authoring.md): ``modules/<folder>/module.md`` plus the folder's other ``.md`` files in name
order, or a single ``modules/<name>.md``; ``courses/<name>.md`` for courses and certification tracks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.utils.translation import gettext_noop as _

from courses.authoring.checklist import STAGES, parse_checklist
from courses.authoring.parser import parse_course, parse_module
from courses.authoring.specs import ContentTree, Message, message
from courses.authoring.validate import validate_tree

MAX_FILE_BYTES = 1_000_000


def _read(path: Path, shown: str, messages: list[Message]) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            messages.append(Message(shown, 1, f"file is larger than {MAX_FILE_BYTES:,} bytes"))
            return None
        return path.read_text(encoding="utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        messages.append(Message(shown, 1, f"file is not UTF-8 text ({exc.reason} at byte {exc.start})"))
    except OSError as exc:
        messages.append(Message(shown, 1, f"cannot read file: {exc.strerror}"))
    return None


# Part of every source hash: raising it makes the next import publish every module once more, for a change
# in what a version stores (2: drills are stored and playable).
STORAGE_FORMAT = 2


def source_digest(files: list[tuple[str, str]]) -> str:
    """The source hash of a module or course: its files' names and texts, and the storage format."""
    h = hashlib.sha256(f"format:{STORAGE_FORMAT}\0".encode())
    for name, text in files:
        h.update(name.encode() + b"\0" + text.encode() + b"\0")
    return h.hexdigest()


def _module_sources(root: Path) -> list[list[Path]]:
    folder = root / "modules"
    if not folder.is_dir():
        return []
    sources = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_dir():
            files = sorted(
                p for p in entry.glob("*.md") if p.name != "module.md" and not p.name.startswith(".")
            )
            sources.append([entry / "module.md", *files])
        elif entry.suffix == ".md":
            sources.append([entry])
    return sources


def _selected(files: list[Path], wanted: list[Path] | None) -> bool:
    if wanted is None:
        return True
    resolved = [f.resolve() for f in files]
    for w in wanted:
        w = w.resolve()
        if any(f == w or w in f.parents for f in resolved):
            return True
    return False


def load_tree(root: Path, paths: list[Path] | None = None) -> ContentTree:
    """Parse and validate the whole content folder; ``paths`` narrows what is returned to those files."""
    root = Path(root)
    tree = ContentTree()
    if not root.is_dir():
        tree.messages.append(Message(str(root), 1, "content folder does not exist"))
        return tree
    picked_paths: set[str] = set()
    for files in _module_sources(root):
        shown = [str(f.relative_to(root)) for f in files]
        if not files[0].exists():
            tree.messages.append(
                Message(shown[0], 1, "a module folder needs a module.md with the front matter")
            )
            continue
        sources = []
        for f, name in zip(files, shown, strict=True):
            text = _read(f, name, tree.messages)
            if text is not None:
                sources.append((name, text))
        if len(sources) != len(files):
            continue
        module, messages = parse_module(sources)
        tree.messages.extend(messages)
        if module is not None:
            module.source_hash = source_digest(sources)
            tree.modules.append(module)
            if _selected(files, paths):
                picked_paths.add(module.path)
    course_dir = root / "courses"
    if course_dir.is_dir():
        for f in sorted(course_dir.glob("*.md")):
            name = str(f.relative_to(root))
            text = _read(f, name, tree.messages)
            if text is None:
                continue
            course, messages = parse_course(name, text)
            tree.messages.extend(messages)
            if course is not None:
                course.source_hash = source_digest([(name, text)])
                tree.courses.append(course)
                if _selected([f], paths):
                    picked_paths.add(course.path)
    _checklists_load(root, tree, paths, picked_paths)
    validate_tree(tree)
    _checklist_references(tree)
    # Positions come from the whole tree, so importing one module keeps the catalogue order.
    for position, spec in enumerate([*tree.modules]):
        spec.position = position
    for position, spec in enumerate([*tree.courses]):
        spec.position = position
    if paths is not None:
        tree.modules = [m for m in tree.modules if m.path in picked_paths]
        tree.courses = [c for c in tree.courses if c.path in picked_paths]
        tree.checklists = [c for c in tree.checklists if c.path in picked_paths]
        files = {str(p.resolve()) for p in paths}
        tree.messages = [
            m for m in tree.messages if any(str((root / m.path).resolve()).startswith(f) for f in files)
        ]
    return tree


def _checklists_load(root: Path, tree: ContentTree, paths: list[Path] | None, picked: set[str]) -> None:
    """``checklists/<name>.md``: on-the-job checklists (courses/authoring/checklist.py)."""
    folder = root / "checklists"
    if not folder.is_dir():
        return
    seen: dict[str, str] = {}
    for f in sorted(folder.glob("*.md")):
        if f.name.startswith((".", "_")):
            continue
        name = str(f.relative_to(root))
        text = _read(f, name, tree.messages)
        if text is None:
            continue
        checklist, messages = parse_checklist(name, text)
        tree.messages.extend(messages)
        if checklist is None:
            continue
        if checklist.slug and checklist.slug in seen:
            tree.messages.append(
                message(
                    name,
                    checklist.key_lines.get("slug", 1),
                    _("checklist slug '%(slug)s' is used twice (also in %(other)s)"),
                    slug=checklist.slug,
                    other=seen[checklist.slug],
                )
            )
            continue
        seen[checklist.slug] = name
        checklist.source_hash = source_digest([(name, text)])
        tree.checklists.append(checklist)
        if _selected([f], paths):
            picked.add(checklist.path)


def _checklist_references(tree: ContentTree) -> None:
    """A track's ``certification: checklist / checklist_stage`` names a checklist of the tree and a stage
    of it that has items."""
    checklists = {c.slug: c for c in tree.checklists}
    for course in tree.courses:
        cert = course.certification
        if cert is None or not (cert.checklist or cert.checklist_stage):
            continue
        line = cert.line or course.line
        checklist = checklists.get(cert.checklist)
        if checklist is None:
            tree.messages.append(
                message(
                    course.path,
                    line,
                    _("certification checklist '%(slug)s' is not in content/checklists"),
                    slug=cert.checklist,
                )
            )
        elif cert.checklist_stage not in STAGES:
            tree.messages.append(
                message(course.path, line, _("certification checklist_stage must be 30, 60 or 90"))
            )
        elif not checklist.stage_items(cert.checklist_stage):
            tree.messages.append(
                message(
                    course.path,
                    line,
                    _("checklist '%(slug)s' has no items for stage %(stage)d"),
                    slug=cert.checklist,
                    stage=cert.checklist_stage,
                )
            )
        elif checklist.level != course.level:
            tree.messages.append(
                message(
                    course.path,
                    line,
                    _("checklist '%(slug)s' is for level %(value)s, not the track's level"),
                    slug=cert.checklist,
                    value=checklist.level,
                )
            )
