"""Grade a text file with a published written drill's rubric, so trainers can try answers before publishing.

    python manage.py rubric_try MODULE_SLUG/DRILL_SLUG FILE

Prints one JSON line: {"score": …, "max_score": …, "percent": …, "passed": …, "criteria": [...], …}.
An unknown drill, an unreadable file or a text the drill refuses: a one-line error and exit status 2.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F

from assessments.grading.base import InvalidAnswer
from assessments.grading.drills import grade_written_response
from assessments.models import Drill


class Command(BaseCommand):
    help = "Grade a text file with a published written drill's rubric and print one JSON line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("drill", help="MODULE_SLUG/DRILL_SLUG of a published written drill")
        parser.add_argument("file", help="a UTF-8 text file holding the answer")

    def handle(self, *args: object, **options: str) -> None:
        module_slug, _, key = options["drill"].partition("/")
        drill = (
            Drill.objects.filter(
                version__module__slug=module_slug,
                version__module__current_version=F("version"),
                key=key,
                kind="written",
            )
            .only("data")
            .first()
            if module_slug and key
            else None
        )
        if drill is None:
            raise CommandError(
                f"no published written drill {options['drill']!r} (write MODULE_SLUG/DRILL_SLUG)",
                returncode=2,
            )
        try:
            text = Path(options["file"]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}", returncode=2) from None
        try:
            result = grade_written_response(drill.data, text)
        except InvalidAnswer as exc:
            raise CommandError(f"{options['file']}: {exc}", returncode=2) from None
        percent = Decimal(result.details["percent"])
        pass_mark = Decimal(str(drill.data.get("pass_mark", 70)))
        line = {
            "score": str(result.score),
            "max_score": str(result.max_score),
            "percent": str(percent),
            "passed": percent >= pass_mark,
            "criteria": [
                {key: row[key] for key in ("id", "score", "max", "level", "reasons") if key in row}
                for row in result.details["criteria"]
            ],
            "notes": result.details.get("notes", []),
            "own_sentences": result.details.get("own_sentences"),
        }
        self.stdout.write(json.dumps(line, ensure_ascii=False))
