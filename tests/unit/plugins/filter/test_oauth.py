# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The OAuth filters against the provider catalog of the oauth_secrets role."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.postiz.plugins.filter import oauth

REPO = Path(__file__).resolve().parents[4]
ROLE = REPO / "roles" / "oauth_secrets"
CATALOG = yaml.safe_load((ROLE / "vars" / "main" / "providers.yml").read_text(encoding="utf-8"))[
    "__oauth_secrets_catalog"
]
VAULT_EXAMPLE = REPO / "inventories" / "local" / "group_vars" / "all" / "vault.yml.example"

HTTPS = "https://postiz.example.com"
HTTP = "http://localhost:4007"
RMT = "https://redirectmeto.com/"

# The 35 providers of Postiz's integration manager (upstream main), in its order; the pinned
# release v2.23.0 has 34 of them (no tiktok-business).
EXPECTED_IDS = [
    "x",
    "linkedin",
    "linkedin-page",
    "reddit",
    "instagram",
    "instagram-standalone",
    "facebook",
    "threads",
    "youtube",
    "gmb",
    "tiktok",
    "tiktok-business",
    "pinterest",
    "dribbble",
    "discord",
    "slack",
    "kick",
    "twitch",
    "mastodon",
    "bluesky",
    "lemmy",
    "wrapcast",
    "telegram",
    "nostr",
    "vk",
    "medium",
    "devto",
    "hashnode",
    "wordpress",
    "listmonk",
    "moltbook",
    "whop",
    "skool",
    "mewe",
    "tumblr",
]

# FACTS §3 "Env vars" column.
EXPECTED_ENV = {
    "x": ["X_API_KEY", "X_API_SECRET", "X_URL"],
    "linkedin": ["LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET"],
    "linkedin-page": ["LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET"],
    "reddit": ["REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET"],
    "instagram": ["FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET"],
    "instagram-standalone": ["INSTAGRAM_APP_ID", "INSTAGRAM_APP_SECRET"],
    "facebook": ["FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET"],
    "threads": ["THREADS_APP_ID", "THREADS_APP_SECRET"],
    "youtube": ["YOUTUBE_CLIENT_ID", "YOUTUBE_CLIENT_SECRET"],
    "gmb": ["GOOGLE_GMB_CLIENT_ID", "GOOGLE_GMB_CLIENT_SECRET"],
    "tiktok": ["TIKTOK_CLIENT_ID", "TIKTOK_CLIENT_SECRET"],
    "tiktok-business": ["TIKTOK_BUSINESS_CLIENT_ID", "TIKTOK_BUSINESS_CLIENT_SECRET"],
    "pinterest": ["PINTEREST_CLIENT_ID", "PINTEREST_CLIENT_SECRET"],
    "dribbble": ["DRIBBBLE_CLIENT_ID", "DRIBBBLE_CLIENT_SECRET"],
    "discord": ["DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET", "DISCORD_BOT_TOKEN_ID"],
    "slack": ["SLACK_ID", "SLACK_SECRET"],
    "kick": ["KICK_CLIENT_ID", "KICK_SECRET"],
    "twitch": ["TWITCH_CLIENT_ID", "TWITCH_CLIENT_SECRET"],
    "mastodon": ["MASTODON_URL", "MASTODON_CLIENT_ID", "MASTODON_CLIENT_SECRET"],
    "wrapcast": ["NEYNAR_CLIENT_ID", "NEYNAR_SECRET_KEY"],
    "telegram": ["TELEGRAM_TOKEN", "TELEGRAM_BOT_NAME"],
    "vk": ["VK_ID"],
    "whop": ["WHOP_CLIENT_ID"],
    "skool": ["EXTENSION_ID"],
    "mewe": ["MEWE_APP_ID", "MEWE_API_KEY", "MEWE_HOST"],
    "tumblr": ["TUMBLR_CLIENT_ID", "TUMBLR_CLIENT_SECRET"],
}
UI_ONLY = ["bluesky", "lemmy", "nostr", "medium", "devto", "hashnode", "wordpress", "listmonk", "moltbook"]

# Every provider's redirect URI for an https and a plain-http public URL (FACTS §3).
REDIRECTS = [
    ("x", HTTPS + "/integrations/social/x", HTTP + "/integrations/social/x"),
    ("linkedin", HTTPS + "/integrations/social/linkedin", HTTP + "/integrations/social/linkedin"),
    (
        "linkedin-page",
        HTTPS + "/integrations/social/linkedin-page",
        HTTP + "/integrations/social/linkedin-page",
    ),
    ("reddit", HTTPS + "/integrations/social/reddit", HTTP + "/integrations/social/reddit"),
    ("instagram", HTTPS + "/integrations/social/instagram", HTTP + "/integrations/social/instagram"),
    (
        "instagram-standalone",
        HTTPS + "/integrations/social/instagram-standalone",
        RMT + HTTP + "/integrations/social/instagram-standalone",
    ),
    ("facebook", HTTPS + "/integrations/social/facebook", HTTP + "/integrations/social/facebook"),
    ("threads", HTTPS + "/integrations/social/threads", RMT + HTTP + "/integrations/social/threads"),
    ("youtube", HTTPS + "/integrations/social/youtube", HTTP + "/integrations/social/youtube"),
    ("gmb", HTTPS + "/integrations/social/gmb", HTTP + "/integrations/social/gmb"),
    ("tiktok", HTTPS + "/integrations/social/tiktok", RMT + HTTP + "/integrations/social/tiktok"),
    (
        "tiktok-business",
        HTTPS + "/integrations/social/tiktok-business/",
        RMT + HTTP + "/integrations/social/tiktok-business/",
    ),
    ("pinterest", HTTPS + "/integrations/social/pinterest", HTTP + "/integrations/social/pinterest"),
    ("dribbble", HTTPS + "/integrations/social/dribbble", HTTP + "/integrations/social/dribbble"),
    ("discord", HTTPS + "/integrations/social/discord", HTTP + "/integrations/social/discord"),
    ("slack", HTTPS + "/integrations/social/slack", RMT + HTTP + "/integrations/social/slack"),
    ("kick", HTTPS + "/integrations/social/kick", HTTP + "/integrations/social/kick"),
    ("twitch", HTTPS + "/integrations/social/twitch", HTTP + "/integrations/social/twitch"),
    ("mastodon", HTTPS + "/integrations/social/mastodon", HTTP + "/integrations/social/mastodon"),
    ("bluesky", "", ""),
    ("lemmy", "", ""),
    ("wrapcast", "", ""),
    ("telegram", "", ""),
    ("nostr", "", ""),
    ("vk", HTTPS + "/integrations/social/vk", RMT + HTTP + "/integrations/social/vk"),
    ("medium", "", ""),
    ("devto", "", ""),
    ("hashnode", "", ""),
    ("wordpress", "", ""),
    ("listmonk", "", ""),
    ("moltbook", "", ""),
    ("whop", HTTPS + "/integrations/social/whop", HTTP + "/integrations/social/whop"),
    ("skool", "", ""),
    ("mewe", HTTPS + "/integrations/social/mewe", HTTP + "/integrations/social/mewe"),
    ("tumblr", HTTPS + "/integrations/social/tumblr", HTTP + "/integrations/social/tumblr"),
]

GOOGLE_ID = "123456789012-abcdefghijklmnop.apps.googleusercontent.com"
X = {"api_key": "XKey0123456789abcdefghijk", "api_secret": "XSecret0123456789abcdefghijklmnop"}
LINKEDIN = {"client_id": "78abcdefghijkl", "client_secret": "LinkedInSecret123"}
YOUTUBE = {"client_id": GOOGLE_ID, "client_secret": "GOCSPX-youtube-secret"}
META = {"app_id": "1234567890123456", "app_secret": "0123456789abcdef0123456789abcdef"}


def env(providers, **kwargs):
    return oauth.oauth_env(providers, CATALOG, **kwargs)


def problems(providers, **kwargs):
    return oauth.oauth_problems(providers, CATALOG, **kwargs)


# -- the catalog -----------------------------------------------------------------


def test_catalog_has_the_35_providers_in_postiz_order():
    assert [entry["id"] for entry in CATALOG] == EXPECTED_IDS
    # Only tiktok-business is newer than the pinned release.
    assert {entry["id"]: entry["after"] for entry in CATALOG if entry.get("after")} == {
        "tiktok-business": "v2.23.0"
    }


@pytest.mark.parametrize("entry", CATALOG, ids=lambda entry: entry["id"])
def test_catalog_entry_is_complete_and_matches_facts(entry):
    assert [var["name"] for var in entry["env"]] == EXPECTED_ENV.get(entry["id"], [])
    assert entry["auth"] in oauth.AUTH_TYPES
    for key in (
        "name",
        "shared_app",
        "redirect",
        "console",
        "app_type",
        "products",
        "scopes",
        "notes",
        "ui_entry",
    ):
        assert key in entry
    for var in entry["env"]:
        assert var["shape"]["regex"] and var["shape"]["description"]
    if entry["id"] in UI_ONLY:
        assert entry["ui_entry"], "credential-entry providers must say what the user types in the UI"
    elif entry["auth"] in ("oauth1", "oauth2"):
        assert entry["console"], "OAuth providers name their developer console"


def test_catalog_is_valid_for_the_filters():
    assert len(oauth._catalog_index(CATALOG)) == 35


def test_readme_provider_table_is_generated_from_the_catalog():
    spec = importlib.util.spec_from_file_location("render_docs", ROLE / "files" / "render_docs.py")
    render_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_docs)
    readme = (ROLE / "README.md").read_text(encoding="utf-8")
    assert readme == render_docs.render_readme(readme, CATALOG), (
        "roles/oauth_secrets/README.md is stale: run python roles/oauth_secrets/files/render_docs.py"
    )


# -- redirect URIs ----------------------------------------------------------------


@pytest.mark.parametrize("identifier, https_uri, http_uri", REDIRECTS, ids=[row[0] for row in REDIRECTS])
def test_redirect_uri_of_every_provider(identifier, https_uri, http_uri):
    assert oauth.oauth_redirect_uri(HTTPS, identifier, CATALOG) == https_uri
    assert oauth.oauth_redirect_uri(HTTP, identifier, CATALOG) == http_uri


def test_redirect_table_covers_every_provider():
    assert [row[0] for row in REDIRECTS] == EXPECTED_IDS


@pytest.mark.parametrize(
    "public_url, expected",
    [
        ("HTTPS://Postiz.Example.com:443/", "https://postiz.example.com/integrations/social/linkedin"),
        ("https://postiz.example.com:8443", "https://postiz.example.com:8443/integrations/social/linkedin"),
        ("http://[::1]:4007", "http://[::1]:4007/integrations/social/linkedin"),
    ],
)
def test_redirect_uri_uses_frontend_url_in_origin_form(public_url, expected):
    assert oauth.oauth_redirect_uri(public_url, "linkedin", CATALOG) == expected


def test_redirectmeto_follows_upstreams_substring_test():
    # Postiz checks whether FRONTEND_URL contains "https", not its scheme.
    assert (
        oauth.oauth_redirect_uri("http://https-proxy.lan", "threads", CATALOG)
        == "http://https-proxy.lan/integrations/social/threads"
    )


def test_x_url_replaces_the_base_of_x_only():
    assert (
        oauth.oauth_redirect_uri(HTTPS, "x", CATALOG, x_url="https://x-cb.example.com")
        == "https://x-cb.example.com/integrations/social/x"
    )
    assert (
        oauth.oauth_redirect_uri(HTTPS, "linkedin", CATALOG, x_url="https://x-cb.example.com")
        == HTTPS + "/integrations/social/linkedin"
    )


def test_redirect_uri_refuses_unknown_provider_and_bad_url():
    with pytest.raises(AnsibleFilterError, match="Did you mean 'x'"):
        oauth.oauth_redirect_uri(HTTPS, "twitter", CATALOG)
    with pytest.raises(AnsibleFilterError, match="root of its host"):
        oauth.oauth_redirect_uri("https://example.com/postiz", "x", CATALOG)


@pytest.mark.parametrize(
    "public_url",
    [
        "https://admin:pwA1/pwB2@postiz.example.com",
        "https://admin:pwA1#pwB2@postiz.example.com",
        "https://admin:pwA1 pwB2@postiz.example.com/path",
    ],
)
def test_redirect_uri_errors_never_show_a_password(public_url):
    with pytest.raises(AnsibleFilterError) as info:
        oauth.oauth_redirect_uri(public_url, "x", CATALOG)
    assert "pwA1" not in str(info.value) and "pwB2" not in str(info.value)


# -- the environment --------------------------------------------------------------


def test_env_writes_credentials_under_postiz_names():
    result = env(
        {"x": dict(X, url="https://x-cb.example.com"), "linkedin": LINKEDIN}, hide_unconfigured=False
    )
    assert result == {
        "X_API_KEY": X["api_key"],
        "X_API_SECRET": X["api_secret"],
        "X_URL": "https://x-cb.example.com",
        "LINKEDIN_CLIENT_ID": LINKEDIN["client_id"],
        "LINKEDIN_CLIENT_SECRET": LINKEDIN["client_secret"],
    }
    assert list(result) == sorted(result)


def test_meta_app_is_written_once_for_facebook_and_instagram():
    for providers in (
        {"facebook": META, "instagram": {}},
        {"facebook": None, "instagram": META},
        {"facebook": META, "instagram": dict(META)},
    ):
        assert env(providers, hide_unconfigured=False) == {
            "FACEBOOK_APP_ID": META["app_id"],
            "FACEBOOK_APP_SECRET": META["app_secret"],
        }


def test_linkedin_page_uses_the_linkedin_app():
    assert problems({"linkedin": LINKEDIN, "linkedin-page": {}}) == []
    assert env({"linkedin": LINKEDIN, "linkedin-page": {}}, hide_unconfigured=False) == {
        "LINKEDIN_CLIENT_ID": LINKEDIN["client_id"],
        "LINKEDIN_CLIENT_SECRET": LINKEDIN["client_secret"],
    }


def test_gmb_falls_back_to_youtube_credentials():
    assert problems({"youtube": YOUTUBE, "gmb": {}}) == []
    result = env({"youtube": YOUTUBE, "gmb": {}})
    # Nothing for GOOGLE_GMB_*: Postiz itself falls back to YOUTUBE_*.
    assert not any(name.startswith("GOOGLE_GMB_") for name in result)
    assert result["YOUTUBE_CLIENT_ID"] == GOOGLE_ID
    assert "gmb" not in result["HIDDEN_PROVIDERS"].split(",")


def test_gmb_with_its_own_client():
    own = {"client_id": "99-gmb.apps.googleusercontent.com", "client_secret": "gmb-secret"}
    result = env({"gmb": own}, hide_unconfigured=False)
    assert result == {
        "GOOGLE_GMB_CLIENT_ID": own["client_id"],
        "GOOGLE_GMB_CLIENT_SECRET": own["client_secret"],
    }


def test_instagram_standalone_writes_instagram_app_variables():
    result = env({"instagram-standalone": META}, hide_unconfigured=False)
    assert result == {"INSTAGRAM_APP_ID": META["app_id"], "INSTAGRAM_APP_SECRET": META["app_secret"]}


def test_mastodon_takes_its_instance_url():
    creds = {"client_id": "mastodon-id", "client_secret": "mastodon-secret"}
    assert (
        env({"mastodon": dict(creds, url="https://fosstodon.org")}, hide_unconfigured=False)["MASTODON_URL"]
        == "https://fosstodon.org"
    )
    # Left out, Postiz's own default (https://mastodon.social) applies.
    assert "MASTODON_URL" not in env({"mastodon": creds}, hide_unconfigured=False)
    checklist = oauth.oauth_checklist({"mastodon": dict(creds, url="https://fosstodon.org")}, CATALOG, HTTPS)
    assert "https://fosstodon.org/settings/applications" in checklist


def test_numeric_ids_given_as_integers_become_strings():
    assert (
        env({"facebook": {"app_id": 1234567890123456, "app_secret": "x"}}, hide_unconfigured=False)[
            "FACEBOOK_APP_ID"
        ]
        == "1234567890123456"
    )


def test_hidden_providers_default_hides_unconfigured_but_keeps_ui_providers():
    hidden = env({"x": X})["HIDDEN_PROVIDERS"].split(",")
    assert "x" not in hidden
    assert hidden == [ident for ident in EXPECTED_IDS if ident != "x" and ident not in UI_ONLY]


def test_hidden_providers_extra_and_off():
    assert (
        env({"x": X}, hide_unconfigured=False, hidden_extra=["nostr", "moltbook"])["HIDDEN_PROVIDERS"]
        == "nostr,moltbook"
    )
    assert "HIDDEN_PROVIDERS" not in env({"x": X}, hide_unconfigured=False)


def test_empty_configuration_hides_every_provider_that_needs_credentials():
    assert env({})["HIDDEN_PROVIDERS"].split(",") == [i for i in EXPECTED_IDS if i not in UI_ONLY]
    assert env(None)["HIDDEN_PROVIDERS"] == env({})["HIDDEN_PROVIDERS"]


def test_env_refuses_bad_input():
    with pytest.raises(AnsibleFilterError, match="unknown provider 'twitter'"):
        env({"twitter": X})


# -- bad input: one sentence each, naming provider and expectation ------------------------

BAD_INPUTS = [
    (
        "unknown identifier",
        {"twitter": X},
        "oauth_secrets_providers has the unknown provider 'twitter'. Did you mean 'x'?",
    ),
    ("near miss", {"linkedn": LINKEDIN}, "unknown provider 'linkedn'. Did you mean 'linkedin'"),
    ("underscore spelling", {"tiktok_business": {}}, "Did you mean 'tiktok-business'?"),
    ("display name", {"Farcaster": {}}, "Did you mean 'wrapcast'?"),
    (
        "missing field",
        {"linkedin": {"client_id": "78abc"}},
        "linkedin is missing client_secret (LINKEDIN_CLIENT_SECRET).",
    ),
    (
        "google client id",
        {"youtube": {"client_id": "GOCSPX-abc", "client_secret": "s"}},
        "youtube: client_id (YOUTUBE_CLIENT_ID) has the wrong shape (10 characters); expected a Google OAuth client ID "
        "ending in .apps.googleusercontent.com.",
    ),
    (
        "meta app id",
        {"facebook": {"app_id": "my-app", "app_secret": "s"}},
        "facebook: app_id (FACEBOOK_APP_ID) has the wrong shape (6 characters); expected the numeric App ID",
    ),
    (
        "shared app conflict",
        {"facebook": META, "instagram": dict(META, app_id="999")},
        "facebook and instagram share one app but give different values for app_id (FACEBOOK_APP_ID). Give the "
        "credentials once, under facebook, and leave instagram empty ({}), or give identical values.",
    ),
    (
        "borrower without lender",
        {"instagram": {}},
        "instagram is empty, so it needs the app of facebook, which is not completely configured",
    ),
    ("gmb without youtube", {"gmb": {}}, "gmb is empty, so it needs the app of youtube"),
    (
        "unknown field",
        {"x": dict(X, consumer_key="k")},
        "x has the unknown field 'consumer_key'; expected fields: "
        "api_key (X_API_KEY), api_secret (X_API_SECRET), url (X_URL).",
    ),
    ("field typo", {"linkedin": {"clientid": "a", "client_secret": "b"}}, "(did you mean 'client_id'?)"),
    (
        "fields for a UI provider",
        {"bluesky": {"password": "hunter2"}},
        "bluesky takes no credentials here: it is connected in the Postiz UI",
    ),
    (
        "float id",
        {"slack": {"client_id": 1234.5678, "client_secret": "s"}},
        "slack: client_id (SLACK_ID) was read by YAML as a number and may have lost digits; expected the Slack "
        "Client ID, digits dot digits, in quotes.",
    ),
    ("boolean", {"x": {"api_key": True, "api_secret": "s"}}, "x: api_key (X_API_KEY) is a boolean, not text"),
    ("entry not a mapping", {"x": "abc:def"}, "x must be a mapping of its credentials (api_key (X_API_KEY)"),
    ("not a mapping at all", ["x"], "oauth_secrets_providers must be a mapping from provider identifier"),
    (
        "mastodon url with slash",
        {"mastodon": {"url": "https://fosstodon.org/", "client_id": "a", "client_secret": "b"}},
        "mastodon: url (MASTODON_URL) has the wrong shape 'https://fosstodon.org/'",
    ),
    ("x url with path", {"x": dict(X, url="https://x.example.com/cb")}, "x: url (X_URL) has the wrong shape"),
    (
        "telegram token",
        {"telegram": {"token": "not-a-token", "bot_name": "postiz_bot"}},
        "telegram: token (TELEGRAM_TOKEN) has the wrong shape (11 characters); expected a BotFather token",
    ),
    (
        "spaces around a secret",
        {"linkedin": {"client_id": "78abc", "client_secret": " s3cret "}},
        "linkedin: client_secret (LINKEDIN_CLIENT_SECRET) has spaces or line breaks around it",
    ),
]


@pytest.mark.parametrize(
    "providers, message", [row[1:] for row in BAD_INPUTS], ids=[row[0] for row in BAD_INPUTS]
)
def test_bad_input_is_reported_with_provider_and_expectation(providers, message):
    found = problems(providers)
    assert any(message in problem for problem in found), found


def test_unknown_without_close_match_lists_the_identifiers():
    found = problems({"myspace": {}})
    assert found == [
        "oauth_secrets_providers has the unknown provider 'myspace'. Known identifiers: "
        + ", ".join(EXPECTED_IDS)
        + "."
    ]


def test_hidden_extra_problems():
    found = problems({"x": X}, hidden_extra=["blusky", "x"])
    assert "oauth_secrets_hidden_extra has the unknown provider 'blusky'. Did you mean 'bluesky'?" in found
    assert (
        "x is both configured in oauth_secrets_providers and hidden by oauth_secrets_hidden_extra; remove it "
        "from one of them."
    ) in found
    assert problems({}, hidden_extra="x") == [
        "oauth_secrets_hidden_extra must be a list of provider identifiers."
    ]


@pytest.mark.parametrize(
    "public_url", ["ftp://postiz.example.com", "https://example.com/postiz", "", "postiz.example.com"]
)
def test_public_url_problems(public_url):
    assert [p for p in problems({}, public_url=public_url) if p.startswith("oauth_secrets_public_url: ")]


def test_all_problems_are_reported_at_once():
    found = problems({"twitter": {}, "linkedin": {}, "facebook": {"app_id": "x", "app_secret": "y"}})
    assert len(found) == 3


def test_no_message_contains_a_credential():
    secrets = [
        "GOCSPX-pasted-into-client-id",
        "hunter2-secret",
        "meta-app-secret-1",
        "meta-app-secret-2",
        "tok en",
    ]
    bad = {
        "youtube": {"client_id": secrets[0], "client_secret": secrets[0]},
        "bluesky": {"password": secrets[1]},
        "facebook": {"app_id": "111", "app_secret": secrets[2]},
        "instagram": {"app_id": "111", "app_secret": secrets[3]},
        "linkedin": {"client_id": secrets[4], "client_secret": secrets[4]},
    }
    text = " ".join(problems(bad))
    assert text
    for secret in secrets:
        assert secret not in text
    with pytest.raises(AnsibleFilterError) as raised:
        env(bad)
    for secret in secrets:
        assert secret not in str(raised.value)


def test_good_input_has_no_problems():
    good = {
        "x": X,
        "linkedin": LINKEDIN,
        "linkedin-page": {},
        "youtube": YOUTUBE,
        "gmb": None,
        "facebook": META,
        "instagram": {},
        "bluesky": {},
        "telegram": {"token": "123456:AAE-x_y", "bot_name": "PostizBot"},
        "skool": {"extension_id": "abcdefghijklmnopabcdefghijklmnop"},
        "slack": {"client_id": "123.456", "client_secret": "s"},
        "vk": {"app_id": 51234567},
        "whop": {"client_id": "app_abc"},
    }
    assert problems(good, public_url=HTTPS) == []


# -- the checklist ------------------------------------------------------------------


def test_checklist_for_the_usual_five():
    providers = {"x": X, "linkedin": LINKEDIN, "youtube": YOUTUBE, "facebook": META, "instagram": {}}
    text = oauth.oauth_checklist(providers, CATALOG, HTTPS)
    for uri in (
        "/integrations/social/x",
        "/integrations/social/linkedin",
        "/integrations/social/youtube",
        "/integrations/social/facebook",
        "/integrations/social/instagram",
    ):
        assert f"`{HTTPS}{uri}`" in text
    # The shared Meta app is one section with both redirect URIs.
    assert text.count("https://developers.facebook.com/apps") == 1
    assert "## Instagram (Facebook Business) (`instagram`), Facebook Page (`facebook`)" in text
    assert "Native App" in text
    assert "`https://www.googleapis.com/auth/youtube.upload`" in text
    assert "Share on LinkedIn" in text
    assert "add `linkedin-page: {}`" in text and "add `gmb: {}`" in text
    assert "- Bluesky (`bluesky`): the service URL" in text
    for creds in providers.values():
        for value in creds.values():
            assert value not in text
    assert text.endswith("\n")


def test_checklist_groups_gmb_with_youtube_and_shows_redirectmeto_on_http():
    text = oauth.oauth_checklist({"youtube": YOUTUBE, "gmb": {}, "threads": META}, CATALOG, HTTP)
    assert "## YouTube (`youtube`), Google My Business (`gmb`)" in text
    assert "`https://www.googleapis.com/auth/business.manage`" in text
    assert "`" + RMT + HTTP + "/integrations/social/threads`" in text
    assert "through https://redirectmeto.com/" in text


def test_checklist_respects_hidden_extra_and_trailing_slash():
    text = oauth.oauth_checklist(
        {"tiktok-business": {"client_id": "abc", "client_secret": "def"}},
        CATALOG,
        HTTPS,
        hidden_extra=["nostr"],
    )
    assert "`" + HTTPS + "/integrations/social/tiktok-business/`" in text
    assert "Nostr (`nostr`)" not in text
    assert "HIDDEN_PROVIDERS=x," in text and ",nostr," in text


def test_checklist_refuses_bad_input():
    with pytest.raises(AnsibleFilterError, match="linkedin is missing client_secret"):
        oauth.oauth_checklist({"linkedin": {"client_id": "a"}}, CATALOG, HTTPS)


def test_vault_example_is_valid_and_all_dummy():
    example = yaml.safe_load(VAULT_EXAMPLE.read_text(encoding="utf-8"))
    providers = example["oauth_secrets_providers"]
    assert sorted(providers) == ["facebook", "instagram", "linkedin", "x", "youtube"]
    assert problems(providers, public_url=HTTPS) == []
    assert set(env(providers)) >= {"X_API_KEY", "LINKEDIN_CLIENT_ID", "YOUTUBE_CLIENT_ID", "FACEBOOK_APP_ID"}


@pytest.mark.parametrize("flag", [False, "false", "no", 0])
def test_hide_unconfigured_accepts_ansible_booleans(flag):
    assert "HIDDEN_PROVIDERS" not in env({"x": X}, hide_unconfigured=flag)


def test_hide_unconfigured_refuses_nonsense():
    with pytest.raises(AnsibleFilterError, match="hide_unconfigured must be true or false"):
        env({"x": X}, hide_unconfigured="maybe")


def test_checklist_lists_configured_ui_providers_only_in_the_ui_section():
    text = oauth.oauth_checklist({"bluesky": {}, "x": X}, CATALOG, HTTPS)
    assert "## Bluesky" not in text
    assert text.count("Bluesky (`bluesky`)") == 1


# -- the pinned release, v2.23.0 -----------------------------------------------------

PINNED = "v2.23.0"


@pytest.mark.parametrize("version", ["v2.23.0", "2.23.0", "v2.22.1", "v2.12"])
def test_v2_23_0_and_older_have_34_providers_and_refuse_tiktok_business(version):
    index, full = oauth._version_index(CATALOG, version)
    assert len(index) == 34 and "tiktok-business" not in index and len(full) == 35
    result = problems(
        {"tiktok-business": {"client_id": "abc", "client_secret": "def"}}, postiz_version=version
    )
    assert result == [
        f"tiktok-business is not a provider of Postiz {version} (postiz_version), which has 34: it came after "
        "v2.23.0, so it needs a Postiz release newer than v2.23.0. Remove it, or set postiz_version to such a "
        "release."
    ]
    with pytest.raises(AnsibleFilterError, match=r"newer than v2\.23\.0"):
        oauth.oauth_redirect_uri(HTTPS, "tiktok-business", CATALOG, postiz_version=version)


@pytest.mark.parametrize("version", ["v2.23.1", "v2.24.0", "latest", "sha256:" + "a" * 64, None, ""])
def test_newer_or_unordered_versions_have_tiktok_business(version):
    assert len(oauth._version_index(CATALOG, version)[0]) == 35
    assert (
        problems({"tiktok-business": {"client_id": "abc", "client_secret": "def"}}, postiz_version=version)
        == []
    )


def test_v2_23_0_writes_no_hidden_providers_and_the_checklist_says_every_provider_is_listed():
    result = env({"x": X}, postiz_version=PINNED)
    assert result == {"X_API_KEY": X["api_key"], "X_API_SECRET": X["api_secret"]}
    text = oauth.oauth_checklist({"x": X}, CATALOG, HTTPS, postiz_version=PINNED)
    assert "HIDDEN_PROVIDERS=" not in text and "## Hidden from the add-channel list" not in text
    assert (
        "Postiz v2.23.0 (postiz_version) does not read HIDDEN_PROVIDERS (Postiz reads it only in releases after "
        "v2.23.0): its add-channel list shows all 34 providers" in text
    )
    assert "tiktok-business" not in text
    # A newer release reads it.
    assert "HIDDEN_PROVIDERS" in env({"x": X}, postiz_version="v2.24.0")


def test_v2_23_0_refuses_hidden_extra_naming_the_release_that_reads_it():
    result = problems({"x": X}, hidden_extra=["nostr"], postiz_version=PINNED)
    assert result == [
        "oauth_secrets_hidden_extra hides providers through HIDDEN_PROVIDERS, which Postiz reads only in releases "
        "after v2.23.0: Postiz v2.23.0 (postiz_version) lists every provider whatever it says. Empty "
        "oauth_secrets_hidden_extra, or set postiz_version to a newer release."
    ]
    assert problems({"x": X}, hidden_extra=["nostr"], postiz_version="v2.24.0") == []
    with pytest.raises(AnsibleFilterError, match=r"reads only in releases after v2\.23\.0"):
        env({"x": X}, hidden_extra=["nostr"], postiz_version=PINNED)


def test_the_role_passes_postiz_version_to_every_filter():
    texts = [
        (ROLE / "vars" / "main" / "env.yml").read_text(encoding="utf-8"),
        (ROLE / "tasks" / "validate.yml").read_text(encoding="utf-8"),
    ]
    calls = sum(text.count("selfhosted.postiz.oauth_") for text in texts)
    assert calls == 3 and sum(text.count("postiz_version=postiz_version") for text in texts) == calls
