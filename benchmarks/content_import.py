"""Content import against its floor: rendering the same Markdown (issue 3).

``python -m benchmarks.content_import [--smoke]`` writes synthetic module trees of 1, 10, 100 and 1,000
lessons (10 questions per lesson) in the real Markdown format, imports each into an empty throwaway database
(PostgreSQL when ``DATABASE_URL`` is set, else a temporary SQLite file) and prints one JSON line:

- ``sizes``: lessons → ``import_s`` (load_tree + content_import, as ``manage.py import_content`` does) and
  ``render_s`` (only rendering every Markdown text the import renders, the floor);
- ``ratio_max``: the largest import/render ratio;
- ``reimport_writes``: INSERT/UPDATE/DELETE statements when every tree is imported again unchanged;
- ``import_ms_per_lesson``: size → import milliseconds per lesson (flat when time grows linearly).

Goal: import within 2× the render floor at every size, linear growth, 0 writes on an unchanged re-import.
Each figure is the best of a few repeats (more for the small sizes, whose times are milliseconds); render
and import alternate within a repeat, so a noisy neighbour slows both alike.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.support import bench_database, emit, note

SIZES = (1, 10, 100, 1000)
SMOKE_SIZES = (1, 10)
QUESTIONS_PER_LESSON = 10
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


def repeats_for(lessons: int, smoke: bool) -> int:
    if smoke:
        return 3
    return 7 if lessons <= 1 else 5 if lessons <= 10 else 3 if lessons <= 100 else 2


def render_all(tree) -> int:
    """Render every Markdown text the importer renders, the way it renders it; returns the call count."""
    from courses.authoring.render import render_inline, render_markdown, render_optional

    calls = 0
    for module in tree.modules:
        if module.intro.strip():
            render_markdown(module.intro)
            calls += 1
        for lesson in module.lessons:
            render_markdown(lesson.body)
            calls += 1
        for quiz in module.quizzes:
            for q in quiz.questions:
                render_markdown(q.stem)
                for text in (q.hint, q.explanation, q.correct_feedback, q.wrong_feedback):
                    render_optional(text)
                for c in q.choices:
                    render_inline(c.text)
                    render_optional(c.feedback)
                for item in q.items:
                    render_inline(item.text)
                for pair in q.pairs:
                    render_inline(pair.left)
                    render_inline(pair.right)
                calls += 5 + 2 * len(q.choices) + len(q.items) + 2 * len(q.pairs)
    return calls


def database_empty() -> None:
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)


def measure_size(root: Path, repeats: int) -> tuple[float, float, int]:
    """Best-of-N import and render seconds for one tree, and the writes of an unchanged re-import."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from courses.authoring.loader import load_tree
    from courses.services import content_import

    imports, renders = [], []
    writes = 0
    for _ in range(repeats):
        database_empty()
        tree = load_tree(root)
        assert not tree.errors, tree.errors[:3]
        start = time.perf_counter()
        render_all(tree)
        renders.append(time.perf_counter() - start)

        start = time.perf_counter()
        tree = load_tree(root)
        report = content_import(tree=tree)
        imports.append(time.perf_counter() - start)
        assert len(report.published) == len(tree.modules), report

        tree = load_tree(root)
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            again = content_import(tree=tree)
        assert not again.published, again
        assert len(ctx.captured_queries) < connection.queries_limit, "query log overflowed"
        verbs = (q["sql"].lstrip().split()[0].upper() for q in ctx.captured_queries)
        writes = max(writes, sum(1 for verb in verbs if verb in WRITE_VERBS))
    return min(imports), min(renders), writes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI (well under a minute)")
    args = parser.parse_args()
    sizes = SMOKE_SIZES if args.smoke else SIZES

    with bench_database("trainingsite_bench_import") as vendor, tempfile.TemporaryDirectory() as tmp:
        from benchmarks.synthetic import tree_write
        from courses.authoring.loader import load_tree

        # Warm-up: imports of Markdown extensions and the first queries are not part of any size.
        warm = tree_write(Path(tmp) / "warm", lessons=1, questions_per_lesson=QUESTIONS_PER_LESSON)
        render_all(load_tree(warm))
        measure_size(warm, 1)

        result: dict = {"sizes": {}, "ratio_max": 0.0, "reimport_writes": 0}
        for lessons in sizes:
            root = tree_write(
                Path(tmp) / f"tree-{lessons}", lessons=lessons, questions_per_lesson=QUESTIONS_PER_LESSON
            )
            import_s, render_s, writes = measure_size(root, repeats_for(lessons, args.smoke))
            ratio = import_s / render_s
            note(
                f"{lessons:>5} lessons: import {import_s:.3f}s render {render_s:.3f}s ×{ratio:.2f} w={writes}"
            )
            result["sizes"][str(lessons)] = {"import_s": round(import_s, 4), "render_s": round(render_s, 4)}
            result["ratio_max"] = round(max(result["ratio_max"], ratio), 3)
            result["reimport_writes"] += writes
        # Linear growth reads as a flat line here: the import's milliseconds per lesson at each size.
        result["import_ms_per_lesson"] = {
            size: round(1000 * v["import_s"] / int(size), 2) for size, v in result["sizes"].items()
        }
        result["questions_per_lesson"] = QUESTIONS_PER_LESSON
        result["database"] = vendor
    emit(result)


if __name__ == "__main__":
    main()
