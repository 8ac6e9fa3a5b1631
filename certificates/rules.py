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


def certification_rule_check(
    rule: dict, modules: dict[str, ModuleEvidence], drills: dict[str, bool], defence_passed: bool = False
) -> RuleOutcome:
    """Decide whether the evidence meets ``rule`` ({modules, drills, pass_mark, validity_months}).

    Every required module must have its quiz passed (the module's own mark) with a score at or above the
    rule's ``pass_mark`` (docs/authoring.md: the rule's mark overrides the modules' marks when higher), and
    every required drill must be passed; a rule with ``defence: true`` also needs a passed 转正答辩 (the
    final result of the recruit's latest defence). A rule that requires nothing certifies nobody.
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
    if not required_modules and not required_drills:
        missing.append("the rule requires nothing")
    snapshot = {"pass_mark": str(pass_mark), "modules": module_rows, "drills": drill_rows}
    if rule.get("defence"):
        snapshot["defence"] = {"passed": defence_passed}
        if not defence_passed:
            missing.append("defence")
    return RuleOutcome(met=not missing, snapshot=snapshot, missing=missing)
