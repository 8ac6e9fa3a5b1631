"""The certification rule as a pure function: evidence in, verdict and a JSON snapshot out. No ORM."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class ModuleEvidence:
    """The counted quiz result of one module: its percent score and whether it passed the module's mark."""

    score: Decimal | None
    passed: bool


@dataclass(frozen=True)
class RuleOutcome:
    met: bool
    snapshot: dict
    missing: list[str] = field(default_factory=list)


def rule_requirements(rule: dict) -> tuple[list[str], list[str]]:
    """The module slugs and ``module/drill`` refs a certification rule names (empty when it has none)."""
    return list(rule.get("modules") or []), list(rule.get("drills") or [])


def rule_checklist(rule: dict) -> tuple[str, int]:
    """The checklist slug and stage (30, 60 or 90) a rule requires signed off; ("", 0) when none."""
    slug, stage = str(rule.get("checklist") or ""), rule.get("checklist_stage") or 0
    return (slug, int(stage)) if slug and stage else ("", 0)


def certification_rule_check(
    rule: dict, modules: dict[str, ModuleEvidence], drills: dict[str, bool], checklist_reached: int = 0
) -> RuleOutcome:
    """Decide whether the evidence meets ``rule`` ({modules, drills, pass_mark, validity_months}).

    Every required module must have its quiz passed (the module's own mark) with a score at or above the
    rule's ``pass_mark`` (docs/authoring.md: the rule's mark overrides the modules' marks when higher), and
    every required drill must be passed. A rule that names a checklist stage needs the recruit's mentor to
    have signed off every item up to that day (``checklist_reached``: the stage persisted for the recruit).
    A rule that requires nothing certifies nobody.
    """
    required_modules, required_drills = rule_requirements(rule)
    pass_mark = Decimal(str(rule.get("pass_mark") or 0))
    missing: list[str] = []
    module_rows = {}
    for slug in required_modules:
        evidence = modules.get(slug)
        score = evidence.score if evidence else None
        ok = bool(evidence and evidence.passed and score is not None and score >= pass_mark)
        module_rows[slug] = {"score": None if score is None else str(score), "passed": ok}
        if not ok:
            missing.append(f"module {slug}")
    drill_rows = {}
    for ref in required_drills:
        ok = bool(drills.get(ref))
        drill_rows[ref] = {"passed": ok}
        if not ok:
            missing.append(f"drill {ref}")
    checklist, stage = rule_checklist(rule)
    if checklist and checklist_reached < stage:
        missing.append(f"checklist {checklist} day {stage}")
    if not required_modules and not required_drills and not checklist:
        missing.append("the rule requires nothing")
    snapshot = {"pass_mark": str(pass_mark), "modules": module_rows, "drills": drill_rows}
    if checklist:
        snapshot["checklist"] = {"slug": checklist, "stage": stage, "reached": checklist_reached}
    return RuleOutcome(met=not missing, snapshot=snapshot, missing=missing)
