from courses.authoring.certification import certification_requirements
from courses.authoring.specs import Certification, Course


def test_requirements_collect_modules_and_drills_of_every_track():
    junior = Course(
        slug="junior",
        title="初级",
        level="junior",
        certification=Certification(modules=["fundamentals"], drills=["management/group-rules"]),
    )
    senior = Course(
        slug="senior",
        title="高级",
        level="senior",
        certification=Certification(modules=["crisis"], drills=["crisis/outage-statement"]),
    )
    no_rule = Course(slug="intro", title="导论", level="junior")

    req = certification_requirements([junior, senior, no_rule])

    assert req.requires_quiz("fundamentals")
    assert req.requires_quiz("crisis")
    assert not req.requires_quiz("growth")
    assert req.requires_drill("management", "group-rules")
    assert req.requires_drill("crisis", "outage-statement")
    assert not req.requires_drill("management", "outage-statement")


def test_a_malformed_drill_reference_requires_nothing():
    course = Course(slug="x", title="x", level="junior", certification=Certification(drills=["no-slash"]))
    assert certification_requirements([course]).drills == frozenset()
