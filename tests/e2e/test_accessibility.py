"""Every page a person reaches, as each role, at 1280 and 390 px, in Chinese and English: axe-core finds no
critical or serious violation, no page scrolls sideways on a phone, no table sets Chinese a character or two a
line on a phone, every chart label reads at 4.5:1 and lies whole inside its chart, and the manager heat-map
shows all nine modules at 1280 px in either language with the recruit column frozen.

A full-page screenshot of each view goes to var/screenshots/pages/ (kept by CI, see the README)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Role, User
from assessments import drill_services, services
from assessments.analysis import statistics_compute
from assessments.models import Attempt, AttemptStatus, Drill, DrillReview, Quiz
from certificates.models import Certificate
from courses.author_services import module_draft_save
from courses.authoring.lint import rule_of
from courses.authoring.loader import load_tree
from courses.demo import demo_populate
from courses.models import Course, CourseModule, Level, Module
from courses.services import content_import
from evaluation.defence_models import DefenceRubricVersion
from evaluation.defence_rubric import rubrics_load
from evaluation.defence_services import (
    defence_schedule,
    defence_score_change,
    defence_score_submit,
    rubrics_import,
)
from evaluation.mentor_services import checklists_publish
from evaluation.models import RecruitChecklist
from retention import services as retention_services
from retention.models import ReviewCard
from tests.e2e.conftest import CHROMIUM_ARGS, SCREENSHOTS  # noqa: F401 - one browser, the suite's own
from tests.e2e.test_workchat_page import bot_page_populate
from tests.integration.test_manager_helpers import make_cohort, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"
PAGES_DIR = SCREENSHOTS / "pages"
WIDTHS = (1280, 390)
LANGUAGES = ("zh-hans", "en")
BLOCKING = {"critical", "serious"}
ROLES = ("recruit", "trainer", "manager", "anonymous")

# WCAG 2.x contrast of every SVG <text> in a chart against what is drawn behind it: the last earlier shape
# of the same chart whose box holds the text's centre, else the nearest HTML background. Opacity blends.
CHART_TEXT_JS = """
() => {
  const rgba = (css) => {
    const m = css && css.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [r, g, b, a === undefined ? 1 : a];
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  const htmlBackground = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reduceRight((under, top) => over(top, under), [255, 255, 255, 1]);
  };
  const opacity = (el, stop) => {
    let o = 1;
    for (let node = el; node && node !== stop.parentElement; node = node.parentElement) {
      o *= Number(getComputedStyle(node).opacity);
    }
    return o;
  };
  const found = [];
  for (const svg of document.querySelectorAll("svg.chart")) {
    const base = htmlBackground(svg.parentElement);
    const box = svg.getBoundingClientRect();
    const shapes = [...svg.querySelectorAll("rect, circle, path, polygon")];
    for (const text of svg.querySelectorAll("text")) {
      if (!text.textContent.trim()) continue;
      const r = text.getBoundingClientRect();
      const cx = r.x + r.width / 2, cy = r.y + r.height / 2;
      let under = base;
      for (const shape of shapes) {
        if (shape.compareDocumentPosition(text) & Node.DOCUMENT_POSITION_PRECEDING) continue;
        if (shape.closest("defs, pattern")) continue;
        const s = shape.getBoundingClientRect();
        if (cx < s.left || cx > s.right || cy < s.top || cy > s.bottom) continue;
        const style = getComputedStyle(shape);
        const fill = rgba(style.fill);
        if (!fill) continue;
        under = over([...fill.slice(0, 3), fill[3] * Number(style.fillOpacity) * opacity(shape, svg)], under);
      }
      const style = getComputedStyle(text);
      const fill = rgba(style.fill) || [0, 0, 0, 1];
      const alpha = fill[3] * Number(style.fillOpacity) * opacity(text, svg);
      const ink = over([...fill.slice(0, 3), alpha], under);
      const contrast = ratio(ink, under);
      const label = text.textContent.trim();
      const clipped = r.left < box.left - 1 || r.right > box.right + 1
        || r.top < box.top - 1 || r.bottom > box.bottom + 1;
      const behind = `rgb(${under.slice(0, 3).map(Math.round)})`;
      const shown = `${contrast.toFixed(2)}:1 for «${label}» (${style.fill} on ${behind})`;
      if (contrast < 4.5) found.push(`contrast ${shown}`);
      // The text's box in the chart's own units (through any rotation), against the viewBox: the svg shows
      // overflow, so a label past the viewBox still paints but runs into the card's edge or its neighbour.
      const b = text.getBBox(), vb = svg.viewBox.baseVal;
      const toSvg = svg.getScreenCTM().inverse().multiply(text.getScreenCTM());
      const corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height],
        [b.x + b.width, b.y + b.height]].map(([x, y]) => new DOMPoint(x, y).matrixTransform(toSvg));
      const xs = corners.map((p) => p.x), ys = corners.map((p) => p.y);
      const outside = vb.width > 0 && (Math.min(...xs) < vb.x - 0.5 || Math.max(...xs) > vb.x + vb.width + 0.5
        || Math.min(...ys) < vb.y - 0.5 || Math.max(...ys) > vb.y + vb.height + 0.5);
      if (label.endsWith("…") || clipped || outside) found.push(`truncated label «${label}»`);
    }
  }
  return found;
}
"""
SIDEWAYS_JS = "document.documentElement.scrollWidth <= window.innerWidth"
# Chinese breaks between any two characters, so a squeezed table column sets a title a character or two a
# line. Found: a line break between two Chinese characters inside a header, cell, heat-map flag or tag whose
# text box is narrower than three of its characters. Text not laid out (closed <details>, visually-hidden)
# is skipped.
NARROW_WRAP_JS = """
() => {
  const cjk = /[\\u3400-\\u9fff]/;
  const found = [];
  for (const box of document.querySelectorAll("th, td, .cell-flags > span, .tag")) {
    if (!box.checkVisibility()) continue;
    const style = getComputedStyle(box);
    const size = parseFloat(style.fontSize);
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const width = box.getBoundingClientRect().width - padding;
    if (width >= 3 * size) continue;
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    let split = false;
    for (let node = walker.nextNode(); node && !split; node = walker.nextNode()) {
      if (node.parentElement.closest(".visually-hidden")) continue;
      let previous = null;
      for (let i = 0; i < node.data.length && !split; i++) {
        if (!cjk.test(node.data[i])) { previous = null; continue; }
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getBoundingClientRect();
        split = previous !== null && Math.abs(rect.top - previous.top) > size / 2;
        previous = rect;
      }
    }
    if (split) {
      const text = box.textContent.trim().replace(/\\s+/g, " ").slice(0, 30);
      found.push(`${box.tagName.toLowerCase()} ${Math.round(width)}px wide breaks «${text}» inside a word`);
    }
  }
  return found;
}
"""


def _real_content() -> None:
    tree = load_tree(REAL_CONTENT)
    # Item quality is the curriculum's own test (tests/unit/content); here only the pages matter.
    tree.messages = [m for m in tree.messages if not rule_of(m)]
    assert not tree.errors
    content_import(tree=tree)
    checklists_publish(specs=tree.checklists)


def _open_drill(user, module: str, kind: str) -> Attempt:
    drill = Drill.objects.filter(version__module__slug=module, kind=kind).first()
    assert drill is not None, (module, kind)
    return drill_services.drill_attempt_start(user=user, drill=drill)


@pytest.fixture
def site(tmp_path, settings):
    """The real curriculum, the demo cohort (attempts, written reviews waiting, a certificate), an open quiz
    and one open drill of each kind for the certified recruit, item statistics, an author's draft, and a
    cohort on a course of all nine modules for the heat-map."""
    settings.MEDIA_ROOT = tmp_path / "media"
    _real_content()
    recruit = make_user("recruit@demo.local", display_name="新员工小林")
    trainer = make_user("trainer@demo.local", Role.TRAINER, display_name="王老师")
    manager = make_user("manager@demo.local", Role.MANAGER, display_name="陈经理")
    cohort = demo_populate(recruit=recruit, manager=manager, trainer=trainer)
    call_command("seed_demo_mentors", verbosity=0)  # the demo trainer mentors four recruits
    mentee = RecruitChecklist.objects.filter(mentorship__mentor=trainer).order_by("pk").first()
    # The demo's most advanced peer has worked through the whole junior track; the certificate is theirs.
    holder = User.objects.get(email="recruit01@demo.local")
    certificate = Certificate.objects.filter(user=holder).first() or Certificate.objects.create(
        user=holder, course=Course.objects.get(slug="junior"), level=Level.JUNIOR
    )

    quiz = Quiz.objects.filter(version__module__slug="fundamentals").first()
    open_quiz = services.attempt_start(user=holder, quiz=quiz)
    graded = Attempt.objects.filter(user=holder, quiz__isnull=False, status=AttemptStatus.GRADED).first()
    scenario = _open_drill(holder, "fundamentals", "scenario")
    written = _open_drill(holder, "learning", "written")
    data = _open_drill(holder, "data-analysis", "data")

    analysed = Quiz.objects.filter(version__module__slug="fundamentals").first()
    statistics_compute(module_id=analysed.version.module_id, key=analysed.key)
    played = Drill.objects.filter(version__module__slug="fundamentals", kind="scenario").first()
    statistics_compute(module_id=played.version.module_id, key=played.key)

    edited = Module.objects.get(slug="content")
    module_draft_save(
        acting_user=trainer,
        slug=edited.slug,
        source=edited.current_version.source + "\n\n草稿：补一段例子。\n",
        stamp="",
    )

    everything = Course.objects.create(
        slug="all-modules", title="全部九个模块的综合路径", title_en="All nine modules", level=Level.SENIOR
    )
    for position, module in enumerate(Module.objects.order_by("slug")):
        CourseModule.objects.create(
            course=everything, module=module, position=position, due_days=7 * position
        )
    wide = make_cohort(
        everything, [manager], 12, seed=3, email_prefix="wide", name="九个模块的春季批次（社群运营）"
    )

    # Spaced review: the holder's cards from the modules they passed, a few due, one served; the cohorts'
    # predicted recall computed as the nightly run does.
    retention_services.cards_backfill()
    ReviewCard.objects.filter(user=holder).update(due=timezone.now() - timedelta(hours=1))
    served_card = retention_services.review_next(user=holder, limit=5)
    retention_services.recall_refresh_all()

    review = DrillReview.objects.filter(attempt__status=AttemptStatus.NEEDS_REVIEW).first()
    assert review is not None, "a written response waits for review"
    question_id = analysed.pool.first().question_version.question_id
    peers = list(cohort.members.values_list("pk", flat=True)[:3])
    c = cohort.pk
    bot_page_populate(cohort=cohort, manager=manager)
    final, scoring = _defences(cohort=cohort, manager=manager, trainer=trainer, holder=holder, peer=peers[1])
    return {
        "recruit": (
            holder,
            [
                ("home", "/"),
                ("checklist", "/checklist/"),
                ("tracks", "/tracks/"),
                ("track", "/tracks/junior/"),
                ("catalogue", "/modules/"),
                ("module", "/modules/fundamentals/"),
                ("lesson", _first_lesson("fundamentals")),
                ("quiz-start", f"/modules/fundamentals/quizzes/{quiz.key}/"),
                ("quiz-form", f"/attempts/{open_quiz.pk}/"),
                ("attempt-result", f"/attempts/{graded.pk}/"),
                ("drill-start", f"/modules/fundamentals/drills/{scenario.drill.key}/"),
                ("scenario-step", f"/attempts/{scenario.pk}/"),
                ("written-drill", f"/attempts/{written.pk}/"),
                ("data-drill", f"/attempts/{data.pk}/"),
                ("progress", "/progress/"),
                ("certificates", "/certificates/"),
                ("certificate", f"/certificates/{certificate.code}/"),
                ("notifications", "/notifications/"),
                ("preferences", "/notifications/preferences/"),
                ("review", "/review/"),
                ("review-card", f"/review/{served_card.public_id}/"),
                ("defences", "/defences/"),
                ("defence", f"/defences/{final.pk}/"),
            ],
        ),
        "trainer": (
            trainer,
            [
                ("trainer-home", "/"),
                ("mentees", "/mentor/"),
                ("mentee", f"/mentor/{mentee.pk}/"),
                ("review-queue", "/trainer/reviews/"),
                ("review", f"/trainer/reviews/{review.pk}/"),
                ("trainer-attempts", "/trainer/attempts/"),
                ("trainer-attempt", f"/trainer/attempts/{graded.pk}/"),
                ("questions", "/trainer/questions/"),
                ("regrade", f"/trainer/questions/{question_id}/regrade/"),
                ("analysis", "/trainer/analysis/"),
                ("analysis-quiz", f"/trainer/analysis/fundamentals/{analysed.key}/"),
                (
                    "analysis-question",
                    f"/trainer/analysis/fundamentals/{analysed.key}/questions/{question_id}/",
                ),
                ("analysis-drill", f"/trainer/analysis/fundamentals/{played.key}/"),
                ("author-list", "/author/"),
                ("author-module", "/author/modules/content/"),
                ("editor", "/author/modules/content/edit/"),
                ("panels", "/defences/"),
                ("defence-score", f"/defences/{scoring.pk}/"),
            ],
        ),
        "manager": (
            manager,
            [
                ("manager-home", "/manager/"),
                ("cohorts", "/manager/cohorts/"),
                ("heat-map", f"/manager/cohorts/{c}/"),
                ("heat-map-nine", f"/manager/cohorts/{wide.pk}/"),
                ("people", f"/manager/cohorts/{c}/people/"),
                ("group-bots", f"/manager/cohorts/{c}/bots/"),
                ("mentors", f"/manager/cohorts/{c}/mentors/"),
                ("person", f"/manager/cohorts/{c}/recruits/{peers[0]}/"),
                ("compare", f"/manager/cohorts/{c}/compare/?" + "&".join(f"recruit={p}" for p in peers)),
                ("new-cohort", "/manager/cohorts/new/"),
                ("recall", f"/manager/cohorts/{c}/recall/"),
                ("defence-schedule", f"/manager/cohorts/{c}/defences/new/"),
                ("defence-result", f"/defences/{final.pk}/"),
            ],
        ),
        "anonymous": (
            None,
            [
                ("login", "/accounts/login/"),
                ("signup", "/accounts/signup/"),
                ("password-reset", "/accounts/password/reset/"),
                ("verify", f"/verify/{certificate.code}/"),
                ("not-found", "/no-such-page/"),
            ],
        ),
        "wide_cohort": wide,
    }


def _defences(*, cohort, manager, trainer, holder, peer):
    """A final 转正答辩 of the certified recruit (the panel disagrees on one criterion, one change audited)
    and one the trainer has still to score."""
    rubrics_import(rubrics=rubrics_load(REAL_CONTENT)[0])
    version = DefenceRubricVersion.objects.get(rubric__slug="probation-defence")
    when = timezone.now()
    final = defence_schedule(
        manager=manager,
        cohort=cohort,
        recruit_id=holder.pk,
        panel_ids=[manager.pk, trainer.pk],
        rubric_version_id=version.pk,
        scheduled_at=when - timedelta(days=2),
    )
    for member, levels in zip(final.panel.order_by("pk"), ([4, 3, 3, 3], [2, 3, 4, 3]), strict=True):
        defence_score_submit(
            member_id=member.pk,
            levels=dict(zip(version.criterion_ids, levels, strict=True)),
            comment="数据扎实，复盘具体。",
        )
    defence_score_change(
        member_id=final.panel.order_by("pk").last().pk,
        acting_user=trainer,
        criterion="communication",
        level=4,
        reason="复看录像后上调",
    )
    scoring = defence_schedule(
        manager=manager,
        cohort=cohort,
        recruit_id=peer,
        panel_ids=[trainer.pk, manager.pk],
        rubric_version_id=version.pk,
        scheduled_at=when + timedelta(days=3),
    )
    return final, scoring


def _first_lesson(slug: str) -> str:
    lesson = Module.objects.get(slug=slug).current_version.lessons.order_by("position").first()
    return f"/modules/{slug}/lessons/{lesson.key}/"


def _context(browser, live_server, user, *, width: int, language: str):
    mobile = width < 600
    context = browser.new_context(
        viewport={"width": width, "height": 844 if mobile else 900},
        is_mobile=mobile,
        has_touch=mobile,
        locale="zh-CN" if language == "zh-hans" else "en-US",
    )
    # The language cookie is what the site's own switch (/i18n/setlang/) sets.
    cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append(
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
        )
    context.add_cookies(cookies)
    return context


def test_every_page_is_accessible_fits_a_phone_and_keeps_chart_labels_readable(browser, live_server, site):
    axe = Axe()
    PAGES_DIR.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {
        "axe": [],
        "sideways": [],
        "narrow wrap": [],
        "chart text": [],
        "heat-map": [],
    }
    for role in ROLES:
        user, pages = site[role]
        for language in LANGUAGES:
            for width in WIDTHS:
                context = _context(browser, live_server, user, width=width, language=language)
                page = context.new_page()
                page.set_default_timeout(15_000)
                for name, path in pages:
                    view = f"{role}:{name} {path} @{width}px {language}"
                    response = page.goto(live_server.url + path)
                    expected = 404 if name == "not-found" else 200
                    assert response.status == expected, f"{view}: HTTP {response.status}"
                    page.wait_for_load_state("load")
                    page.screenshot(
                        path=str(PAGES_DIR / f"{role}-{name}-{width}-{language}.png"), full_page=True
                    )
                    results = axe.run(page)
                    for violation in results.response["violations"]:
                        if violation["impact"] in BLOCKING:
                            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
                            problems["axe"].append(
                                f"{view}: {violation['impact']} {violation['id']} "
                                f"({len(violation['nodes'])}×: {targets})"
                            )
                    if width < 600 and not page.evaluate(SIDEWAYS_JS):
                        scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                        problems["sideways"].append(f"{view}: scrollWidth {scroll[0]} > {scroll[1]}")
                    if width < 600:
                        problems["narrow wrap"] += [f"{view}: {p}" for p in page.evaluate(NARROW_WRAP_JS)]
                    problems["chart text"] += [f"{view}: {p}" for p in page.evaluate(CHART_TEXT_JS)]
                    if name == "heat-map-nine":
                        problems["heat-map"] += [
                            f"{view}: {p}" for p in _heat_map_problems(page, width, language)
                        ]
                context.close()
    report = "\n".join(f"[{kind}] {line}" for kind, lines in problems.items() for line in lines)
    print(report)
    assert not report, report


HEAT_MAP_JS = """
() => {
  const table = document.querySelector("[data-testid=recruit-table]");
  const wrap = table.parentElement;
  const columns = [...table.querySelectorAll("thead th.module-col")];
  const hidden = columns.filter((th) => {
    const r = th.getBoundingClientRect(), w = wrap.getBoundingClientRect();
    return r.width === 0 || r.left < w.left - 1 || r.right > Math.min(w.right, window.innerWidth) + 1
      || getComputedStyle(th).display === "none";
  }).map((th) => th.textContent.trim().replace(/\\s+/g, " "));
  const first = table.querySelector("tbody tr th");
  return {
    columns: columns.length,
    hidden,
    sticky: getComputedStyle(first).position,
    wrap: [wrap.scrollWidth, wrap.clientWidth],
    page: [document.documentElement.scrollWidth, window.innerWidth],
  };
}
"""


def _heat_map_problems(page, width: int, language: str) -> list[str]:
    found = page.evaluate(HEAT_MAP_JS)
    problems = []
    if found["columns"] != 9:
        problems.append(f"{found['columns']} module columns, not 9")
    # On a laptop every module is in view in either language (English titles are long words): neither the
    # table's wrapper nor the page scrolls sideways, and each module header lies inside the window.
    if width >= 1280:
        if found["hidden"]:
            problems.append(f"module columns out of view at {width}px: {found['hidden']}")
        for name, (scroll, client) in (("the heat-map", found["wrap"]), ("the page", found["page"])):
            if scroll > client:
                problems.append(f"{name} scrolls sideways at {width}px: scrollWidth {scroll} > {client}")
    if found["sticky"] != "sticky":
        problems.append(f"the recruit column is position: {found['sticky']}, not sticky")
    return problems
