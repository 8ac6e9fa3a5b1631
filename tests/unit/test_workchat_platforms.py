"""The group-bot platforms' pure parts: webhook addresses, signatures, bodies, answers, digest text."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workchat.digest import NAMES_MAX, Digest, Person, digest_message, plain
from workchat.platforms import (
    FEISHU_BODY_MAX_BYTES,
    WECOM_MARKDOWN_MAX_BYTES,
    Outcome,
    Platform,
    WebhookError,
    answer_read,
    dingtalk_sign,
    feishu_sign,
    mask,
    message_body,
    request_build,
    secret_check,
    webhook_parse,
)

secrets = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=8, max_size=80)


# ── signatures ───────────────────────────────────────────────────────────────────────────────────────────


def test_dingtalk_sign_matches_an_independent_openssl_computation():
    # printf '1700000000000\nSECtestsecret' | openssl dgst -sha256 -hmac 'SECtestsecret' -binary | base64
    assert dingtalk_sign("SECtestsecret", 1700000000000) == "7LVwF0dAF3/+MRRulbpE4y72Ogzykc6bS2nG4I99T4s="


def test_feishu_sign_matches_an_independent_openssl_computation():
    # printf '' | openssl dgst -sha256 -hmac $'1700000000\nfeishusecret' -binary | base64
    assert feishu_sign("feishusecret", 1700000000) == "5Wc8F8b2vZlNjoVFpK6BAaovMobglP4Rm1FzmEq/rCU="


@given(secret=secrets, now=st.floats(min_value=1e9, max_value=4e9))
def test_a_dingtalk_request_carries_a_millisecond_timestamp_and_a_url_encoded_sign_that_verifies(secret, now):
    webhook = webhook_parse("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=abcdef123456")
    request = request_build(webhook, secret, {"msgtype": "text"}, now=now)
    query = parse_qs(urlsplit(request.url).query)
    assert query["access_token"] == ["abcdef123456"]
    timestamp = query["timestamp"][0]
    assert int(timestamp) == int(now * 1000)
    key = secret.encode()
    expected = base64.b64encode(hmac.new(key, f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest())
    assert query["sign"] == [expected.decode()]  # parse_qs decodes: the URL carried it percent-encoded
    assert "+" not in request.url.split("sign=", 1)[1]
    assert "/" not in request.url.split("sign=", 1)[1]


@given(secret=secrets, now=st.floats(min_value=1e9, max_value=4e9))
def test_a_feishu_request_signs_in_the_body_with_second_timestamps(secret, now):
    webhook = webhook_parse("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/1234abcd-ef56")
    request = request_build(webhook, secret, {"msg_type": "text", "content": {"text": "x"}}, now=now)
    assert request.url == webhook.url
    timestamp = request.body["timestamp"]
    assert timestamp == str(int(now))
    expected = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    assert base64.b64decode(request.body["sign"]) == expected
    assert request.body["msg_type"] == "text"


def test_unsigned_bots_get_the_plain_address():
    wecom = webhook_parse("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx")
    assert request_build(wecom, "", {"a": 1}, now=1e9).url == wecom.url
    feishu = webhook_parse("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/abcdefgh")
    assert "sign" not in request_build(feishu, "", {"a": 1}, now=1e9).body


# ── webhook addresses ────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("platform", "url", "token"),
    [
        (
            "wecom",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0",
            "693a91f6-7xxx-4bc4-97a0",
        ),
        (
            "dingtalk",
            " https://oapi.dingtalk.com/robot/send?access_token=ff6cd723bdb4455f ",
            "ff6cd723bdb4455f",
        ),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/2f7c1e5a-0000", "2f7c1e5a-0000"),
        ("feishu", "https://open.larksuite.com/open-apis/bot/v2/hook/2f7c1e5a-0000", "2f7c1e5a-0000"),
    ],
)
def test_the_platforms_own_addresses_are_accepted(platform, url, token):
    webhook = webhook_parse(platform, url)
    assert webhook.token == token
    assert webhook.url == url.strip()
    assert webhook.platform == Platform(platform)


@pytest.mark.parametrize(
    ("platform", "url"),
    [
        ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"),  # not https
        ("wecom", "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=693a91f6-7xxx"),
        ("wecom", "https://evil.example/cgi-bin/webhook/send?key=693a91f6-7xxx"),
        ("wecom", "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=693a91f6-7xxx"),
        ("wecom", "https://user@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx&debug=1"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=short"),
        ("wecom", "https://qyapi.weixin.qq.com/other?key=693a91f6-7xxx"),
        ("wecom", "https://oapi.dingtalk.com/robot/send?access_token=ff6cd723bdb4455f"),  # another platform's
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=ff6cd723bdb4455f#x"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=ff6cd723\x00bdb4455f"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=a&access_token=ff6cd723bdb4455f"),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/abcdefgh/../../x"),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/abcdefgh?x=1"),
        ("feishu", "http://127.0.0.1:8000/open-apis/bot/v2/hook/abcdefgh"),  # loopback not allowed here
        ("feishu", "https://169.254.169.254/open-apis/bot/v2/hook/abcdefgh"),
        ("feishu", "javascript:alert(1)"),
        ("feishu", ""),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/" + "a" * 600),
    ],
)
def test_other_hosts_schemes_paths_and_odd_addresses_are_refused(platform, url):
    with pytest.raises(WebhookError):
        webhook_parse(platform, url)


def test_loopback_is_accepted_only_when_allowed_and_only_over_http_with_a_port():
    url = "http://127.0.0.1:8123/cgi-bin/webhook/send?key=693a91f6-7xxx"
    assert webhook_parse("wecom", url, allow_loopback=True).url == url
    with pytest.raises(WebhookError):
        webhook_parse("wecom", url)
    with pytest.raises(WebhookError):
        webhook_parse(
            "wecom", "http://localhost:8123/cgi-bin/webhook/send?key=693a91f6-7xxx", allow_loopback=True
        )


@given(url=st.text(max_size=300))
def test_any_text_is_either_a_valid_webhook_on_the_platforms_host_or_refused(url):
    for platform in Platform:
        try:
            webhook = webhook_parse(platform, url)
        except WebhookError:
            continue
        parts = urlsplit(webhook.url)
        assert parts.scheme == "https"
        assert parts.hostname in {
            "qyapi.weixin.qq.com",
            "oapi.dingtalk.com",
            "open.feishu.cn",
            "open.larksuite.com",
        }


def test_secrets_are_checked_per_platform():
    assert secret_check("dingtalk", " SEC0123456789abcdef ") == "SEC0123456789abcdef"
    assert secret_check("feishu", "") == ""
    for platform, secret in [
        ("wecom", "SEC0123456789"),
        ("dingtalk", "short"),
        ("feishu", "has space inside"),
    ]:
        with pytest.raises(WebhookError):
            secret_check(platform, secret)


@given(value=st.text(min_size=0, max_size=80))
def test_a_mask_never_shows_more_than_eight_characters_of_the_credential(value):
    shown = mask(value)
    assert sum(1 for c in shown if c not in "…•") <= 8
    if len(value) > 12:
        assert value not in shown


# ── message bodies and answers ───────────────────────────────────────────────────────────────────────

lines_strategy = st.lists(st.text(max_size=400), max_size=200)


@given(title=st.text(max_size=100), lines=lines_strategy)
def test_bodies_have_each_platforms_shape_and_fit_its_size_limit(title, lines):
    wecom = message_body("wecom", title=title, lines=lines)
    assert wecom["msgtype"] == "markdown"
    assert len(wecom["markdown"]["content"].encode()) <= WECOM_MARKDOWN_MAX_BYTES
    dingtalk = message_body("dingtalk", title=title, lines=lines)
    assert dingtalk["markdown"]["title"] == title
    assert dingtalk["markdown"]["text"].startswith(f"### {title}"[:10])
    feishu = message_body("feishu", title=title, lines=lines)
    post = feishu["content"]["post"]["zh_cn"]
    assert feishu["msg_type"] == "post"
    assert post["title"] == title
    assert all(p == [{"tag": "text", "text": line}] for p, line in zip(post["content"], lines, strict=False))
    assert len(json.dumps(feishu, ensure_ascii=False).encode()) <= FEISHU_BODY_MAX_BYTES


def test_a_short_message_is_not_cut():
    body = message_body("wecom", title="T", lines=["a", "b"])
    assert body["markdown"]["content"] == "### T\na\nb"


@pytest.mark.parametrize(
    ("platform", "status", "text", "outcome", "code"),
    [
        ("wecom", 200, '{"errcode":0,"errmsg":"ok"}', Outcome.SENT, "0"),
        ("wecom", 200, '{"errcode":93000,"errmsg":"invalid webhook url"}', Outcome.FAILED, "93000"),
        ("wecom", 200, '{"errcode":45009,"errmsg":"api freq out of limit"}', Outcome.RETRY, "45009"),
        ("dingtalk", 200, '{"errcode":310000,"errmsg":"sign not match"}', Outcome.FAILED, "310000"),
        ("dingtalk", 200, '{"errcode":130101,"errmsg":"send too fast"}', Outcome.RETRY, "130101"),
        ("feishu", 200, '{"code":0,"msg":"success","data":{}}', Outcome.SENT, "0"),
        ("feishu", 200, '{"StatusCode":0,"StatusMessage":"success"}', Outcome.SENT, "0"),
        ("feishu", 200, '{"code":19021,"msg":"sign match fail"}', Outcome.FAILED, "19021"),
        ("feishu", 200, '{"code":11232,"msg":"frequency limited"}', Outcome.RETRY, "11232"),
        ("feishu", 429, '{"code":99991400}', Outcome.RETRY, "429"),
        ("wecom", 502, "<html>bad gateway</html>", Outcome.RETRY, "http 502"),
        ("wecom", 404, "<html>not found</html>", Outcome.FAILED, "http 404"),
        ("dingtalk", 200, "[]", Outcome.RETRY, "http 200"),
        ("dingtalk", 200, '{"errmsg":"no code"}', Outcome.FAILED, "http 200"),
    ],
)
def test_answers_are_read_as_sent_retry_or_failed_with_the_platforms_code(
    platform, status, text, outcome, code
):
    answer = answer_read(platform, status, text)
    assert (answer.outcome, answer.code) == (outcome, code)
    if code in {"45009", "130101", "11232", "429"}:
        assert answer.pause >= 60


# ── digest text ──────────────────────────────────────────────────────────────────────────────────────

people = st.lists(
    st.builds(Person, name=st.text(min_size=1, max_size=20), detail=st.text(max_size=20)), max_size=60
)


@given(overdue=people, waiting=people, certified=people)
def test_the_digest_names_each_person_up_to_the_cap_and_counts_the_rest(overdue, waiting, certified):
    digest = Digest(cohort="C", day=date(2026, 12, 6), overdue=overdue, waiting=waiting, certified=certified)
    title, lines = digest_message(digest)
    assert "2026-12-06" in title
    bullets = [line for line in lines if line.startswith("- ")]
    shown = sum(min(len(group), NAMES_MAX) for group in (overdue, waiting, certified))
    more = sum(1 for group in (overdue, waiting, certified) if len(group) > NAMES_MAX)
    assert len(bullets) == shown + more
    if digest.empty:
        assert len(lines) == 1


def test_names_cannot_carry_links_mentions_or_headings_into_the_group():
    evil = Person(name='[点我](https://evil.example) <at user_id="all">所有人</at>\n# 标题 @all', detail="")
    _title, lines = digest_message(Digest(cohort="C", day=date(2026, 12, 6), overdue=[evil]))
    text = "\n".join(lines)
    for mark in ("[", "](", "<at", "\n#", "@all"):
        assert mark not in text
    assert "所有人" in text


@given(text=st.text(max_size=60))
def test_plain_text_keeps_no_markup_character_and_is_never_empty(text):
    cleaned = plain(text)
    assert cleaned
    assert not set(cleaned) & set("\\`*_[]()<>#|~!@\n\r")
