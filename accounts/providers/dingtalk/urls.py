from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from accounts.providers.dingtalk.provider import DingTalkProvider

urlpatterns = default_urlpatterns(DingTalkProvider)
