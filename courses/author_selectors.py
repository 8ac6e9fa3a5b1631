"""Reads for the trainer authoring pages: modules, history, content/ status, draft checks, preview, diff.

Nothing here writes. Every selector takes the requesting user and answers only trainers and admins (a 404 for
anybody else, like a missing page). A draft is checked exactly the way publishing checks it (``draft_check``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import Http404
from django.utils.html import strip_tags
from django.utils.translation import gettext_noop

from accounts import policy
from accounts.models import User
from assessments.models import QuizQuestion
from courses.authoring import serialize
from courses.authoring.certification import CertificationRequirements
from courses.authoring.lint import rule_of
from courses.authoring.loader import MAX_FILE_BYTES, source_digest
from courses.authoring.parser import parse_module, split_lines
from courses.authoring.render import render_optional
from courses.authoring.specs import ContentTree, Message, message
from courses.authoring.specs import Drill as DrillSpec
from courses.authoring.specs import Module as ModuleSpec
from courses.authoring.specs import Question as QuestionSpec
from courses.authoring.validate import CYCLE, SLUG_RE, validate_tree
from courses.models import Module, ModuleDraft, ModuleVersion, Origin
from courses.selectors import certification_requirements_published

MAX_SOURCE_BYTES = MAX_FILE_BYTES
NEW_MODULE_TEMPLATE = """---
slug: new-module
title: 新模块
title_en: New module
summary: 一句话说明这个模块教什么。
skill_area: fundamentals
level: junior
estimated_minutes: 30
pass_mark: 70
prerequisites: []
tags: []
---

模块简介。

# 第一课 {#first-lesson}

正文。

::: quiz new-module-quiz
title: 小测

::: question q-first
以下哪一项正确？

- [x] 正确的选项
  > 为什么它是对的。
- [ ] 错误的选项
  > 为什么它不对。

explanation: 解释。
:::
:::
"""


def require_trainer(user: User) -> None:
    """Authoring pages exist only for trainers and admins: anybody else gets a 404, like a missing page."""
    if not policy.is_trainer(user):
        raise Http404("no such page")


def site_path(slug: str) -> str:
    """The path messages and the source hash use for a module edited in the site."""
    return f"site:{slug or 'new'}.md"


def normalise_source(text: str) -> str:
    """Text compared for sameness: line endings and blank lines at either end do not count (trailing spaces
    do: two of them are a Markdown line break)."""
    return "\n".join(split_lines(text)).strip("\n")


# ---------------------------------------------------------------- content/ on disk


@dataclass(frozen=True)
class ContentSource:
    """One module of the content/ folder, joined into the single-file form the site editor uses."""

    slug: str
    files: tuple[str, ...]  # relative to the content root
    text: str
    digest: str  # equal to the source_hash an import of these files stores
    spec: ModuleSpec


_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple, dict[str, ContentSource]]] = {}


def _module_files(root: Path) -> list[list[Path]]:
    """The files of each module, by the loader's rules (docs/authoring.md, "Layout")."""
    folder = root / "modules"
    if not folder.is_dir():
        return []
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_dir():
            main = entry / "module.md"
            if main.is_file():
                rest = sorted(
                    p for p in entry.glob("*.md") if p.name != "module.md" and not p.name.startswith(".")
                )
                found.append([main, *rest])
        elif entry.suffix == ".md":
            found.append([entry])
    return found


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_text(encoding="utf-8").lstrip("\ufeff")
    except (OSError, UnicodeDecodeError):
        return None


def content_sources(*, root: Path | None = None) -> dict[str, ContentSource]:
    """Every readable module in content/, by slug. Parsed again only when a file changes (stat signature)."""
    root = Path(root or settings.CONTENT_ROOT)
    modules = _module_files(root)
    signature = tuple(
        (str(p), st.st_mtime_ns, st.st_size)
        for files in modules
        for p in files
        if (st := _stat(p)) is not None
    )
    key = str(root.resolve()) if root.exists() else str(root)
    with _cache_lock:
        cached = _cache.get(key)
    if cached and cached[0] == signature:
        return cached[1]
    sources: dict[str, ContentSource] = {}
    for files in modules:
        names = [str(f.relative_to(root)) for f in files]
        texts = [_read(f) for f in files]
        if any(t is None for t in texts):
            continue
        joined = "\n\n".join(t.rstrip("\n") for t in texts) + "\n"
        spec, _ = parse_module([(names[0], joined)])
        if spec is None or not spec.slug or spec.slug in sources:
            continue
        sources[spec.slug] = ContentSource(
            slug=spec.slug,
            files=tuple(names),
            text=joined,
            digest=source_digest(list(zip(names, texts, strict=True))),
            spec=spec,
        )
    with _cache_lock:
        _cache[key] = (signature, sources)
    return sources


def _stat(path: Path):
    try:
        return path.stat()
    except OSError:
        return None


@dataclass(frozen=True)
class ContentStatus:
    """How the published version and the content/ file of one module relate; ``state`` picks the sentence."""

    state: str  # in_sync | file_changed | no_file | site_matches | site_differs | site_only | unpublished
    files: tuple[str, ...] = ()

    @property
    def site_edited(self) -> bool:
        return self.state.startswith("site_")


def content_status(*, version: ModuleVersion | None, source: ContentSource | None) -> ContentStatus:
    files = source.files if source else ()
    if version is None:
        return ContentStatus("unpublished", files)
    if version.origin == Origin.SITE:
        if source is None:
            return ContentStatus("site_only")
        same = normalise_source(source.text) == normalise_source(version.source)
        return ContentStatus("site_matches" if same else "site_differs", files)
    if source is None:
        return ContentStatus("no_file")
    return ContentStatus("in_sync" if source.digest == version.source_hash else "file_changed", files)


def same_as_published(*, slug: str, version: ModuleVersion | None, text: str) -> bool:
    """Whether ``text`` is the published version's own source (site text, or the content/ files it came from).

    Publishing such a text would change nothing for recruits, so it makes no version.
    """
    if version is None:
        return False
    if version.origin == Origin.SITE:
        return normalise_source(version.source) == normalise_source(text)
    source = content_sources().get(slug)
    return (
        source is not None
        and source.digest == version.source_hash
        and normalise_source(source.text) == normalise_source(text)
    )


# ---------------------------------------------------------------- module list and history


def draft_stamp(draft: ModuleDraft | None) -> str:
    """Identifies the exact draft a page was built from, so a save or publish never clobbers a newer one."""
    if draft is None:
        return ""
    return f"{draft.pk}:{draft.updated_at.timestamp():.6f}"


@dataclass
class AuthorModuleRow:
    slug: str
    module: Module | None
    version: ModuleVersion | None
    versions: int
    draft: ModuleDraft | None
    status: ContentStatus


def author_module_list(*, user: User) -> list[AuthorModuleRow]:
    """Every module, published or only drafted, with its version count and content/ status (two queries)."""
    require_trainer(user)
    modules = list(
        Module.objects.select_related("current_version__published_by")
        .annotate(n_versions=Count("versions"))
        .order_by("position", "slug")
    )
    drafts = {d.slug: d for d in ModuleDraft.objects.select_related("author")}
    sources = content_sources()
    rows = [
        AuthorModuleRow(
            slug=m.slug,
            module=m,
            version=m.current_version,
            versions=m.n_versions,
            draft=drafts.pop(m.slug, None),
            status=content_status(version=m.current_version, source=sources.get(m.slug)),
        )
        for m in modules
    ]
    rows += [
        AuthorModuleRow(d.slug, None, None, 0, d, content_status(version=None, source=sources.get(d.slug)))
        for d in drafts.values()
    ]
    return rows


@dataclass
class ModuleHistory:
    slug: str
    module: Module | None
    versions: list[ModuleVersion]  # newest first, each with ``n_questions``
    draft: ModuleDraft | None
    status: ContentStatus

    @property
    def current(self) -> ModuleVersion | None:
        return self.module.current_version if self.module else None


def author_module_history(*, user: User, slug: str) -> ModuleHistory:
    """A module's versions (number, date, who, origin, question count) and its draft: three queries."""
    require_trainer(user)
    module = Module.objects.select_related("current_version__published_by").filter(slug=slug).first()
    versions: list[ModuleVersion] = []
    if module:
        versions = list(
            ModuleVersion.objects.filter(module=module)
            .select_related("published_by")
            .annotate(n_questions=Count("quizzes__pool"))
            .defer("source", "intro_html")
            .order_by("-number")
        )
    draft = ModuleDraft.objects.select_related("author", "base_version").filter(slug=slug).first()
    if module is None and draft is None:
        raise Http404("no such module")
    source = content_sources().get(slug)
    status = content_status(version=module.current_version if module else None, source=source)
    return ModuleHistory(slug, module, versions, draft, status)


def author_version_source(*, user: User, slug: str, number: int) -> ModuleVersion:
    """A version whose exact source text is stored (versions edited in the site)."""
    require_trainer(user)
    version = ModuleVersion.objects.filter(module__slug=slug, number=number).exclude(source="").first()
    if version is None:
        raise Http404("no stored source for this version")
    return version


@dataclass
class EditStart:
    slug: str
    module: Module | None
    draft: ModuleDraft | None
    text: str
    stamp: str
    started_from: str  # draft | site | content | changed_content | empty


def author_edit_start(*, user: User, slug: str) -> EditStart:
    """What the editor opens with: the draft, else the published site text, else the content/ files joined."""
    require_trainer(user)
    module = Module.objects.select_related("current_version").filter(slug=slug).first()
    draft = ModuleDraft.objects.select_related("author", "base_version").filter(slug=slug).first()
    if module is None and draft is None:
        raise Http404("no such module")
    if draft is not None:
        return EditStart(slug, module, draft, draft.source, draft_stamp(draft), "draft")
    version = module.current_version
    if version is not None and version.origin == Origin.SITE and version.source:
        return EditStart(slug, module, None, version.source, "", "site")
    source = content_sources().get(slug)
    if source is not None:
        same = version is not None and source.digest == version.source_hash
        return EditStart(slug, module, None, source.text, "", "content" if same else "changed_content")
    return EditStart(slug, module, None, "", "", "empty")


# ---------------------------------------------------------------- checking a draft


@dataclass
class MessageRow:
    message: Message
    source_line: str


@dataclass
class DraftCheck:
    source: str
    path: str
    spec: ModuleSpec | None
    messages: list[Message]

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.level == "error"]

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if m.level == "warning"]

    @property
    def rows(self) -> list[MessageRow]:
        """Each message with the text of the line it points at."""
        lines = split_lines(self.source)
        return [MessageRow(m, lines[m.line - 1] if 0 < m.line <= len(lines) else "") for m in self.messages]


def known_module_specs(*, root: Path | None = None) -> list[ModuleSpec]:
    """The other modules a draft may name as prerequisites: content/ plus what is published (one query).

    A published module stands for itself (its live prerequisites); a content/ one only when not published.
    """
    specs = {slug: source.spec for slug, source in content_sources(root=root).items()}
    published = Module.objects.filter(current_version__isnull=False).values_list(
        "slug", "current_version__prerequisites"
    )
    for slug, prerequisites in published:
        specs[slug] = ModuleSpec(
            slug=slug,
            title=slug,
            skill_area="fundamentals",
            level="junior",
            prerequisites=list(prerequisites or []),
            path=f"published:{slug}",
        )
    return list(specs.values())


def known_certification_requirements() -> CertificationRequirements:
    """What the published certification tracks require (one query): their content is linted strictly."""
    return certification_requirements_published()


def draft_check(
    *,
    source: str,
    slug: str,
    others: list[ModuleSpec],
    requirements: CertificationRequirements | None = None,
) -> DraftCheck:
    """Parse and validate one single-file module as publishing would; messages point at its own lines.

    ``slug`` is the module being edited ("" for a new one); ``others`` are the modules it is checked against;
    ``requirements``: what certification tracks require, whose item-quality findings are errors.
    """
    path = site_path(slug)
    spec, messages = parse_module([(path, source)])
    messages = list(messages)
    if spec is None:
        return DraftCheck(source, path, None, sorted(messages, key=lambda m: m.line))
    spec.source_hash = source_digest([(path, source)])
    if slug and spec.slug and spec.slug != slug:
        messages.append(
            message(
                path,
                spec.key_lines.get("slug", 1),
                gettext_noop(
                    "slug '%(new)s' is not this module's slug '%(slug)s': a new slug makes a new module, so "
                    "start it with “New module”"
                ),
                new=spec.slug,
                slug=slug,
            )
        )
    tree = ContentTree(modules=[spec, *(o for o in others if o.slug != spec.slug)])
    # The tracks are not in the draft's tree: what the published ones require decides the stricter rules.
    if requirements is None:
        requirements = certification_requirements_published()
    validate_tree(tree, requirements=requirements)
    prerequisites_line = spec.key_lines.get("prerequisites", spec.line)
    for m in tree.messages:
        if m.path == path:
            messages.append(m)
        elif m.code == CYCLE and spec.slug in str(m.params["cycle"]).split(" → "):
            # The cycle was found from another module's side; it is still this draft that closes it.
            moved = replace(m, path=path, line=prerequisites_line)
            if moved not in messages:
                messages.append(moved)
    return DraftCheck(source, path, spec, sorted(messages, key=lambda m: (m.line, m.level != "error")))


def _slug_or_blank(slug: str) -> str:
    return slug if slug and SLUG_RE.match(slug) else ""


# ---------------------------------------------------------------- preview


@dataclass
class PreviewQuestion:
    position: int
    line: int
    question: dict[str, Any]  # what the recruit sees: no answer key
    key: dict[str, Any]  # the full record, answer key included
    answer: Any = None


@dataclass
class PreviewQuiz:
    id: str
    title: str
    line: int
    settings: dict[str, Any]
    questions: list[PreviewQuestion]
    guessable: str = ""  # the guesser simulation's finding, shown in red above the questions


@dataclass
class PreviewLesson:
    id: str
    title: str
    line: int
    html: str


@dataclass
class PreviewDrill:
    spec: DrillSpec
    intro_html: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    questions: list[PreviewQuestion] = field(default_factory=list)
    guessable: str = ""


@dataclass
class Preview:
    check: DraftCheck
    intro_html: str = ""
    lessons: list[PreviewLesson] = field(default_factory=list)
    quizzes: list[PreviewQuiz] = field(default_factory=list)
    drills: list[PreviewDrill] = field(default_factory=list)


class _Memo:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, make: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        value = make()
        with self.lock:
            self.data[key] = value
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return value


# The preview runs at every pause in typing, and most of the text is what it was a moment ago. Rendering
# (Python-Markdown) is the slow part, so rendered pieces are kept, keyed by their content, never by line.
_rendered_memo = _Memo(4096)
_question_memo = _Memo(4096)


def rendered(text: str) -> str:
    """``render_optional(text)``, reused for text rendered before."""
    return _rendered_memo.get(text, lambda: render_optional(text))


def question_record(q: QuestionSpec) -> dict[str, Any]:
    """``serialize.question_data(q)``, reused while the question's content (not its position) is unchanged."""
    unplaced = replace(
        q,
        line=0,
        path="",
        choices=[replace(c, line=0) for c in q.choices],
        items=[replace(i, line=0) for i in q.items],
        pairs=[replace(p, line=0) for p in q.pairs],
    )
    return _question_memo.get(repr(unplaced), lambda: serialize.question_data(q))


def _preview_questions(questions: list) -> list[PreviewQuestion]:
    served = []
    for position, q in enumerate(questions, start=1):
        data = question_record(q)
        served.append(PreviewQuestion(position, q.line, serialize.public_question(data), data))
    return served


def preview_build(check: DraftCheck) -> Preview:
    """Render a checked draft the way recruits will see it, plus the answer key; pure, no database."""
    preview = Preview(check)
    spec = check.spec
    if spec is None:
        return preview
    preview.intro_html = rendered(spec.intro)
    preview.lessons = [PreviewLesson(x.id, x.title, x.line, rendered(x.body)) for x in spec.lessons]
    found = [m for m in check.messages if rule_of(m) == "guessable"]
    guessable = {(m.path, m.line): m.text.removeprefix("guessable: ") for m in found}
    preview.quizzes = [
        PreviewQuiz(
            quiz.id,
            quiz.title,
            quiz.line,
            serialize.quiz_data(quiz),
            _preview_questions(quiz.questions),
            guessable.get((quiz.path, quiz.line), ""),
        )
        for quiz in spec.quizzes
    ]
    for drill in spec.drills:
        steps = [
            {
                "id": s.id,
                "line": s.line,
                "is_ending": s.is_ending,
                "outcome": s.outcome,
                "html": rendered(s.text),
                "choices": s.choices,
            }
            for s in drill.steps
        ]
        preview.drills.append(
            PreviewDrill(
                drill,
                rendered(drill.intro),
                steps,
                _preview_questions(drill.questions),
                guessable.get((drill.path, drill.line), ""),
            )
        )
    return preview


def draft_preview(*, user: User, source: str, slug: str) -> Preview:
    """The live preview of an editor's text. Reads which modules exist (one query); writes nothing."""
    require_trainer(user)
    check = draft_check(
        source=source,
        slug=_slug_or_blank(slug),
        others=known_module_specs(),
        requirements=known_certification_requirements(),
    )
    return preview_build(check)


# ---------------------------------------------------------------- diff against the published version


@dataclass
class Change:
    key: str
    label: str
    line: int = 0


@dataclass
class ModuleDiff:
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)
    lessons_added: list[Change] = field(default_factory=list)
    lessons_changed: list[Change] = field(default_factory=list)
    lessons_removed: list[Change] = field(default_factory=list)
    quizzes_added: list[Change] = field(default_factory=list)
    quizzes_changed: list[Change] = field(default_factory=list)
    quizzes_removed: list[Change] = field(default_factory=list)
    questions_added: list[Change] = field(default_factory=list)
    questions_changed: list[Change] = field(default_factory=list)
    questions_retired: list[Change] = field(default_factory=list)
    questions_unchanged: int = 0

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.fields,
                self.lessons_added,
                self.lessons_changed,
                self.lessons_removed,
                self.quizzes_added,
                self.quizzes_changed,
                self.quizzes_removed,
                self.questions_added,
                self.questions_changed,
                self.questions_retired,
            )
        )


DIFF_FIELDS = (
    "title",
    "title_en",
    "summary",
    "summary_en",
    "skill_area",
    "level",
    "estimated_minutes",
    "pass_mark",
    "prerequisites",
    "tags",
)


def _excerpt(text: str, limit: int = 80) -> str:
    text = " ".join(strip_tags(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def diff_build(
    *,
    spec: ModuleSpec,
    version: ModuleVersion | None,
    lessons: list[tuple[str, str, str]],
    pool: list[tuple[str, dict[str, Any], str, str, dict[str, Any]]],
) -> ModuleDiff:
    """What publishing ``spec`` changes against ``version``: pure, from the version's stored rows.

    ``lessons`` are (key, title, body_html); ``pool`` rows are (quiz key, quiz settings, question key,
    content hash, question data). A question counts as changed when its content hash differs.
    """
    diff = ModuleDiff()
    old_fields = {name: getattr(version, name) for name in DIFF_FIELDS} if version else {}
    for name in DIFF_FIELDS:
        new = getattr(spec, name)
        old = old_fields.get(name)
        if version is not None and old != new:
            diff.fields.append((name, old, new))
    if version is not None and (version.intro_html or "") != rendered(spec.intro):
        diff.fields.append(("intro", _excerpt(version.intro_html), _excerpt(spec.intro)))

    old_lessons = {key: (title, body) for key, title, body in lessons}
    for lesson in spec.lessons:
        change = Change(lesson.id, lesson.title, lesson.line)
        if lesson.id not in old_lessons:
            diff.lessons_added.append(change)
        elif old_lessons[lesson.id] != (lesson.title, rendered(lesson.body)):
            diff.lessons_changed.append(change)
    new_lesson_ids = {lesson.id for lesson in spec.lessons}
    diff.lessons_removed = [Change(k, t) for k, (t, _) in old_lessons.items() if k not in new_lesson_ids]

    old_quizzes: dict[str, dict[str, Any]] = {}
    old_questions: dict[str, tuple[str, dict[str, Any]]] = {}
    for quiz_key, quiz_settings, question_key, content_hash, data in pool:
        old_quizzes[quiz_key] = quiz_settings
        old_questions[question_key] = (content_hash, data)
    for quiz in spec.quizzes:
        change = Change(quiz.id, quiz.title or quiz.id, quiz.line)
        if quiz.id not in old_quizzes:
            diff.quizzes_added.append(change)
        elif old_quizzes[quiz.id] != serialize.quiz_data(quiz):
            diff.quizzes_changed.append(change)
    new_quiz_ids = {quiz.id for quiz in spec.quizzes}
    diff.quizzes_removed = [Change(k, k) for k in old_quizzes if k not in new_quiz_ids]

    new_question_ids = set()
    for quiz in spec.quizzes:
        for q in quiz.questions:
            new_question_ids.add(q.id)
            change = Change(q.id, _excerpt(q.stem), q.line)
            if q.id not in old_questions:
                diff.questions_added.append(change)
            elif old_questions[q.id][0] != serialize.content_hash(question_record(q)):
                diff.questions_changed.append(change)
            else:
                diff.questions_unchanged += 1
    diff.questions_retired = [
        Change(key, _excerpt(data.get("stem_html", "")))
        for key, (_, data) in old_questions.items()
        if key not in new_question_ids
    ]
    return diff


@dataclass
class DraftReview:
    draft: ModuleDraft
    module: Module | None
    check: DraftCheck
    diff: ModuleDiff | None  # None while the draft has errors
    stamp: str

    @property
    def current(self) -> ModuleVersion | None:
        return self.module.current_version if self.module else None

    @property
    def same_as_published(self) -> bool:
        return same_as_published(slug=self.draft.slug, version=self.current, text=self.draft.source)

    @property
    def newer_published(self) -> bool:
        """Somebody published this module after the draft was started from its then current version."""
        return self.current is not None and self.current.pk != self.draft.base_version_id


def author_draft_review(*, user: User, slug: str) -> DraftReview:
    """The draft checked and compared with the published version: what “Publish” would change."""
    require_trainer(user)
    draft = ModuleDraft.objects.select_related("author", "base_version").filter(slug=slug).first()
    if draft is None:
        raise Http404("no draft")
    module = Module.objects.select_related("current_version__published_by").filter(slug=slug).first()
    check = draft_check(
        source=draft.source,
        slug=slug,
        others=known_module_specs(),
        requirements=known_certification_requirements(),
    )
    diff = None
    if check.spec is not None and not check.errors:
        version = module.current_version if module else None
        lessons, pool = [], []
        if version is not None:
            lessons = list(version.lessons.values_list("key", "title", "body_html"))
            pool = [
                (
                    row.quiz.key,
                    row.quiz.settings,
                    row.question_version.question.key,
                    row.question_version.content_hash,
                    row.question_version.data,
                )
                for row in QuizQuestion.objects.filter(quiz__version=version).select_related(
                    "quiz", "question_version__question"
                )
            ]
        diff = diff_build(spec=check.spec, version=version, lessons=lessons, pool=pool)
    return DraftReview(draft, module, check, diff, draft_stamp(draft))
