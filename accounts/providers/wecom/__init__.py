"""企业微信 web sign-in for a company's members, on allauth's OAuth2 provider API (allauth ships none)."""
