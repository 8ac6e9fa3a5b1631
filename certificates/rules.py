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


RENEWAL_MIN_REVIEWS = 5  # answers per skill area in the renewal window before recall counts as evidence


def recall_renewal_check(
    rule: dict, reviews: dict[str, tuple[int, int]], areas: list[str]
) -> tuple[bool, dict, list[str]]:
    """Whether a certificate may be renewed on what the recruit still recalls instead of new quiz passes.

    ``rule["renewal_recall"]`` is a percentage; ``reviews`` maps a skill area to (review answers graded since
    the renewal window opened, how many of them were right) and ``areas`` are the skill areas of the rule's
    required modules. Every area needs at least ``RENEWAL_MIN_REVIEWS`` answers, right at least that share of
    the time. Observed recall, not FSRS's predicted retrievability: the prediction is near 100 % right after
    any review, a wrong one included, so it would reward answering badly just before renewal. A rule without
    the key never renews this way. Returns (met, snapshot, missing).
    """
    threshold = int(rule.get("renewal_recall") or 0)
    if not threshold or not areas:
        return False, {}, ["renewal by recall is not offered"]
    rows, missing = {}, []
    for area in sorted(set(areas)):
        answered, right = reviews.get(area, (0, 0))
        percent = round(Decimal(100 * right) / answered, 1) if answered else Decimal(0)
        rows[area] = {"answers": answered, "right": right, "recall": str(percent)}
        if answered < RENEWAL_MIN_REVIEWS:
            missing.append(f"recall {area}: {answered} of {RENEWAL_MIN_REVIEWS} review answers")
        elif percent < threshold:
            missing.append(f"recall {area}: {percent} % < {threshold} %")
    return not missing, {"threshold": threshold, "areas": rows}, missing
