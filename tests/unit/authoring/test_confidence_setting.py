"""The quiz setting that asks for confidence with each answer (confidence-based marking, #17)."""

from __future__ import annotations

from courses.authoring.parser import parse_module
from courses.authoring.serialize import quiz_data

HEAD = "---\nslug: w\ntitle: W\nskill_area: crisis\nlevel: junior\n---\n\n# L {#l}\n\nText.\n\n"
QUESTION = "::: question q1\n\n哪个好？\n\n- [x] 好\n- [ ] 差\n:::\n"


def quiz_source(setting: str) -> str:
    return HEAD + f"::: quiz q\ntitle: 练习\n{setting}\n" + QUESTION + ":::\n"


def test_confidence_yes_is_kept_in_the_quiz_settings():
    module, messages = parse_module([("m.md", quiz_source("confidence: yes"))])
    assert [m for m in messages if m.level == "error"] == []
    assert module.quizzes[0].confidence is True
    assert quiz_data(module.quizzes[0])["confidence"] is True


def test_a_quiz_without_the_setting_keeps_its_settings_unchanged():
    # Existing quizzes must not read as "changed" in the publish diff because a key appeared.
    module, _messages = parse_module([("m.md", quiz_source("confidence: no"))])
    assert module.quizzes[0].confidence is False
    assert "confidence" not in quiz_data(module.quizzes[0])


def test_a_confidence_value_outside_yes_or_no_is_an_error_at_its_line():
    source = quiz_source("confidence: maybe")
    line = source.splitlines().index("confidence: maybe") + 1
    _module, messages = parse_module([("m.md", source)])
    errors = [m for m in messages if m.level == "error"]
    assert [(m.path, m.line) for m in errors] == [("m.md", line)]
    assert "confidence must be yes or no" in errors[0].text
    assert "maybe" in errors[0].text
