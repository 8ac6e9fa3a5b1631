"""Sign-in through the work platforms (issue #18 part 1), on django-allauth's provider API.

钉钉 and 飞书 are allauth's shipped providers, subclassed only so that their hosts come from settings (飞书's
international edition Lark lives on another host, and the tests point them at a local fake) and so that the
directory's email address is offered, trusted only when the operator says so. 企业微信 is ours (`wecom`).
"""
