"""Which quizzes and drills a certification track requires: the content those stricter rules apply to.

Pure: reads specs, no ORM. The importer (certification-grade quiz and drill rules) and the item-quality
linter (warnings become errors) both ask this one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from courses.authoring.specs import Course


@dataclass(frozen=True)
class CertificationRequirements:
    """The modules whose quizzes and the ``module/drill`` pairs that some track's certificate requires."""

    quiz_modules: frozenset[str] = field(default_factory=frozenset)
    drills: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def requires_quiz(self, module_slug: str) -> bool:
        return module_slug in self.quiz_modules

    def requires_drill(self, module_slug: str, drill_id: str) -> bool:
        return (module_slug, drill_id) in self.drills


def certification_requirements(courses: Iterable[Course]) -> CertificationRequirements:
    """Collect, over every track, what its certification rule names (``drills`` as ``module/drill``)."""
    modules: set[str] = set()
    drills: set[tuple[str, str]] = set()
    for course in courses:
        rule = course.certification
        if rule is None:
            continue
        modules.update(rule.modules)
        for ref in rule.drills:
            module_slug, _, drill_id = ref.partition("/")
            if drill_id:
                drills.add((module_slug, drill_id))
    return CertificationRequirements(quiz_modules=frozenset(modules), drills=frozenset(drills))
