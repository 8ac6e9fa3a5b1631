"""The certification rule as a pure function: evidence in, verdict and a JSON snapshot out. No ORM."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class ModuleEvidence:
    """The counted quiz result of one module: its percent score, whether it passed the module's mark, and
    whether that pass was a test-out (a pre-test at or above the mark) rather than the quiz."""

    score: Decimal | None
    passed: bool
    tested_out: bool = False


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
    rule: dict,
    modules: dict[str, ModuleEvidence],
    drills: dict[str, bool],
    checklist_reached: int = 0,
    defence_passed: bool = False,
) -> RuleOutcome:
    """Decide whether the evidence meets ``rule`` ({modules, drills, pass_mark, validity_months,
    no_test_out}).

    Every required module must have its quiz passed (the module's own mark) with a score at or above the
    rule's ``pass_mark`` (docs/authoring.md: the rule's mark overrides the modules' marks when higher), and
    every required drill must be passed. A module the rule names in ``no_test_out`` must have been passed
    by its quiz: a tested-out pass does not count. A rule that names a checklist stage needs the recruit's
    mentor to have signed off every item up to that day (``checklist_reached``: the stage persisted for the
    recruit); a rule with ``defence: true`` also needs a passed 转正答辩 (the final result of the recruit's
    latest defence). A rule that requires nothing certifies nobody.
    """
    required_modules, required_drills = rule_requirements(rule)
    pass_mark = Decimal(str(rule.get("pass_mark") or 0))
    no_test_out = set(rule.get("no_test_out") or [])
    missing: list[str] = []
    module_rows = {}
    for slug in required_modules:
        evidence = modules.get(slug)
        score = evidence.score if evidence else None
        tested_out = bool(evidence and evidence.tested_out)
        ok = bool(evidence and evidence.passed and score is not None and score >= pass_mark)
        refused = ok and tested_out and slug in no_test_out
        module_rows[slug] = {"score": None if score is None else str(score), "passed": ok and not refused}
        if tested_out:
            module_rows[slug]["tested_out"] = True  # only then: snapshots of quiz passes keep their shape
        if refused:
            missing.append(f"module {slug} (tested out; this track requires its quiz)")
        elif not ok:
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
    if rule.get("defence"):
        snapshot["defence"] = {"passed": defence_passed}
        if not defence_passed:
            missing.append("defence")
    return RuleOutcome(met=not missing, snapshot=snapshot, missing=missing)
