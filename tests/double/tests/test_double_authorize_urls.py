# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Redirect URIs and authorize URLs built from env (FACTS §3, §3.1)."""

import pytest
from postiz_double import authorize_urls as au
from postiz_double import providers

HTTPS = {"FRONTEND_URL": "https://postiz.example.com"}
HTTP = {"FRONTEND_URL": "http://localhost:4007"}
VERIFIER = "v" * 64


def uri(identifier, env):
    return au.redirect_uri(providers.BY_ID[identifier], env)


@pytest.mark.parametrize(
    ("identifier", "env", "expected"),
    [
        ("linkedin", HTTPS, "https://postiz.example.com/integrations/social/linkedin"),
        ("linkedin", HTTP, "http://localhost:4007/integrations/social/linkedin"),
        ("threads", HTTP, "https://redirectmeto.com/http://localhost:4007/integrations/social/threads"),
        ("threads", HTTPS, "https://postiz.example.com/integrations/social/threads"),
        ("tiktok", HTTPS, "https://postiz.example.com/integrations/social/tiktok"),
        ("tiktok", HTTP, "https://redirectmeto.com/http://localhost:4007/integrations/social/tiktok"),
        (
            "x",
            {**HTTP, "X_URL": "https://x-callback.example.com"},
            "https://x-callback.example.com/integrations/social/x",
        ),
        ("x", {**HTTP, "X_URL": ""}, "http://localhost:4007/integrations/social/x"),
        ("facebook", {}, "undefined/integrations/social/facebook"),
    ],
)
def test_redirect_uri(identifier, env, expected):
    assert uri(identifier, env) == expected


REDIRECT = "https%3A%2F%2Fpostiz.example.com%2Fintegrations%2Fsocial%2F"
LI_SCOPE = "openid%20profile%20w_member_social%20r_basicprofile%20rw_organization_admin%20w_organization_social%20r_organization_social"


def test_linkedin_shapes():
    env = {**HTTPS, "LINKEDIN_CLIENT_ID": "li1"}
    assert au.authorize_url("linkedin", env, "St4te1", VERIFIER) == (
        "https://www.linkedin.com/oauth/v2/authorization?response_type=code&client_id=li1&prompt=none"
        f"&redirect_uri={REDIRECT}linkedin&state=St4te1&scope={LI_SCOPE}"
    )
    assert au.authorize_url("linkedin-page", env, "St4te1", VERIFIER) == (
        "https://www.linkedin.com/oauth/v2/authorization?response_type=code&prompt=none&client_id=li1"
        f"&redirect_uri={REDIRECT}linkedin-page&state=St4te1&scope={LI_SCOPE}"
    )


def test_meta_shapes():
    env = {**HTTPS, "FACEBOOK_APP_ID": "fb1", "INSTAGRAM_APP_ID": "ig1"}
    facebook = au.authorize_url("facebook", env, "s", VERIFIER)
    assert facebook.startswith(
        f"https://www.facebook.com/v20.0/dialog/oauth?client_id=fb1&redirect_uri={REDIRECT}facebook&state=s&scope="
    )
    assert facebook.endswith(
        "scope=pages_show_list,business_management,pages_manage_posts,pages_manage_engagement,pages_read_engagement,read_insights"
    )
    instagram = au.authorize_url("instagram", env, "s", VERIFIER)
    assert "client_id=fb1&" in instagram and "scope=instagram_basic%2Cpages_show_list%2C" in instagram
    standalone = au.authorize_url("instagram-standalone", env, "s", VERIFIER)
    assert standalone == (
        f"https://www.instagram.com/oauth/authorize?enable_fb_login=0&client_id=ig1&redirect_uri={REDIRECT}instagram-standalone"
        "&response_type=code&scope=instagram_business_basic%2Cinstagram_business_content_publish"
        "%2Cinstagram_business_manage_comments%2Cinstagram_business_manage_insights&state=s"
    )


def test_youtube_shape_and_unset_client_id():
    url = au.authorize_url("youtube", {**HTTPS, "YOUTUBE_CLIENT_ID": "yt.apps"}, "abcdefg", VERIFIER)
    assert url.startswith(
        "https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent&state=abcdefg"
    )
    assert (
        f"&redirect_uri={REDIRECT}youtube&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fuserinfo.profile%20"
        in url
    )
    assert url.endswith("&response_type=code&client_id=yt.apps")
    # googleapis' querystring writes an unset value as empty, template strings write "undefined".
    assert au.authorize_url("youtube", HTTPS, "s", VERIFIER).endswith("&client_id=")
    assert "client_id=undefined&" in au.authorize_url("linkedin", HTTPS, "s", VERIFIER)
    assert "client_id=&" in au.authorize_url("linkedin", {**HTTPS, "LINKEDIN_CLIENT_ID": ""}, "s", VERIFIER)


def test_gmb_falls_back_to_youtube_client():
    assert au.authorize_url("gmb", {**HTTPS, "YOUTUBE_CLIENT_ID": "yt"}, "s", VERIFIER).endswith(
        "client_id=yt"
    )


def test_pkce_and_literal_scopes():
    kick = au.authorize_url("kick", HTTPS, "s", VERIFIER)
    assert f"code_challenge={au.code_challenge(VERIFIER)}&code_challenge_method=S256" in kick
    assert "scope=bot+identify+guilds" in au.authorize_url("discord", HTTPS, "s", VERIFIER)
    assert "scope=public+upload" in au.authorize_url("dribbble", HTTPS, "s", VERIFIER)


def test_x_needs_a_live_call_and_credential_providers_get_the_state():
    with pytest.raises(au.NeedsLiveCall):
        au.authorize_url("x", HTTPS, "s", VERIFIER)
    assert au.authorize_url("bluesky", HTTPS, "St4te1", VERIFIER) == "St4te1"


def test_every_provider_builds():
    for provider in providers.PROVIDERS:
        if provider.auth != providers.OAUTH1:
            assert au.authorize_url(provider.identifier, HTTPS, "s", VERIFIER)


def test_state_and_encoding_helpers():
    assert au.state_length("youtube") == 7 and au.state_length("linkedin") == 6
    state = au.make_state(6)
    assert len(state) == 6 and state.isalnum()
    assert au.encode("a b/c:d!'()*~") == "a%20b%2Fc%3Ad!'()*~"
    # RFC 7636 appendix B example
    assert (
        au.code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_catalogue():
    # Postiz v2.23.0: 34 providers (tiktok-business came later), none hidden by HIDDEN_PROVIDERS.
    assert len(providers.PROVIDERS) == 34
    assert "tiktok-business" not in providers.BY_ID
    assert providers.allowed("linkedin") and providers.allowed("reddit")
    assert not providers.allowed("tiktok-business")
    assert not providers.allowed("mastodon-custom")
    assert providers.BY_ID["linkedin-page"].task_queue == "linkedin"
    assert providers.BY_ID["instagram-standalone"].task_queue == "instagram"
