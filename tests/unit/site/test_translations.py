"""Every interface string has its Simplified Chinese translation, and the compiled catalogue serves it."""

from __future__ import annotations

import re

from django.utils import translation

from tests.conftest import ROOT

PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries() -> list[tuple[str, str]]:
    text = PO.read_text(encoding="utf-8")
    found = []
    for block in text.split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n)+)', block + "\n", re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n)+)', block + "\n", re.M)
        if msgid and msgstr:
            join = lambda raw: "".join(re.findall(r'"(.*)"', raw))  # noqa: E731
            if join(msgid.group(1)):
                found.append((join(msgid.group(1)), join(msgstr.group(1))))
    return found


def test_every_interface_string_is_translated():
    pairs = entries()
    assert len(pairs) > 50
    assert [msgid for msgid, msgstr in pairs if not msgstr] == []
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")


def test_compiled_catalogue_serves_chinese():
    with translation.override("zh-hans"):
        assert translation.gettext("Start the quiz") == "开始测验"
        assert translation.gettext("Submit answers") == "提交答案"
    with translation.override("en"):
        assert translation.gettext("Start the quiz") == "Start the quiz"
