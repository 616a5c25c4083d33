# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The 35 channel providers of FACTS §3, as data (order = Postiz's ``socialIntegrationList``).

Only what the double needs: identifiers, display names, how a channel connects, the env
variable that holds the client id, the scopes sent in the authorize URL and the redirect
URI quirks (redirectmeto, trailing slash). Post length limits come from FACTS §5.4; the
ones marked ``# inference`` are the platforms' published limits, not read in Postiz.
"""

from __future__ import annotations

from dataclasses import dataclass

# How a channel gets connected (FACTS §3 "Auth type").
OAUTH1 = "oauth1"  # X: needs a live request-token call before any URL exists
OAUTH2 = "oauth2"
CUSTOM_FIELDS = "custom-fields"  # user-entered credentials; GET returns the state as `url`
OTHER = "other"  # web3 / bot / extension / agent flows: no provider URL either

_GOOGLE = "https://www.googleapis.com/auth/"


@dataclass(frozen=True)
class Provider:
    identifier: str
    name: str
    auth: str
    client_id_env: str | None = None
    scopes: tuple[str, ...] = ()
    redirectmeto: bool = False  # FRONTEND_URL without "https" goes through https://redirectmeto.com/
    trailing_slash: bool = False
    max_length: int | None = None

    @property
    def task_queue(self) -> str:
        """Activity queue of the provider family: the identifier up to the first ``-`` (FACTS §9.1)."""
        return self.identifier.split("-", 1)[0]


_LINKEDIN_SCOPES = (
    "openid",
    "profile",
    "w_member_social",
    "r_basicprofile",
    "rw_organization_admin",
    "w_organization_social",
    "r_organization_social",
)

PROVIDERS: tuple[Provider, ...] = (
    Provider("x", "X", OAUTH1, "X_API_KEY", max_length=280),
    Provider("linkedin", "LinkedIn", OAUTH2, "LINKEDIN_CLIENT_ID", _LINKEDIN_SCOPES, max_length=3000),
    Provider(
        "linkedin-page", "LinkedIn Page", OAUTH2, "LINKEDIN_CLIENT_ID", _LINKEDIN_SCOPES, max_length=3000
    ),
    Provider("reddit", "Reddit", OAUTH2, "REDDIT_CLIENT_ID", ("read", "identity", "submit", "flair")),
    Provider(
        "instagram",
        "Instagram (Facebook Business)",
        OAUTH2,
        "FACEBOOK_APP_ID",
        (
            "instagram_basic",
            "pages_show_list",
            "pages_read_engagement",
            "business_management",
            "instagram_content_publish",
            "instagram_manage_comments",
            "instagram_manage_insights",
        ),
        max_length=2200,  # inference: FACTS gives 2200 for the standalone variant
    ),
    Provider(
        "instagram-standalone",
        "Instagram (Standalone)",
        OAUTH2,
        "INSTAGRAM_APP_ID",
        (
            "instagram_business_basic",
            "instagram_business_content_publish",
            "instagram_business_manage_comments",
            "instagram_business_manage_insights",
        ),
        redirectmeto=True,
        max_length=2200,
    ),
    Provider(
        "facebook",
        "Facebook Page",
        OAUTH2,
        "FACEBOOK_APP_ID",
        (
            "pages_show_list",
            "business_management",
            "pages_manage_posts",
            "pages_manage_engagement",
            "pages_read_engagement",
            "read_insights",
        ),
        max_length=63206,
    ),
    Provider(
        "threads",
        "Threads",
        OAUTH2,
        "THREADS_APP_ID",
        ("threads_basic", "threads_content_publish", "threads_manage_replies", "threads_manage_insights"),
        redirectmeto=True,
        max_length=500,  # inference
    ),
    Provider(
        "youtube",
        "YouTube",
        OAUTH2,
        "YOUTUBE_CLIENT_ID",
        tuple(
            _GOOGLE + s
            for s in (
                "userinfo.profile",
                "userinfo.email",
                "youtube",
                "youtube.force-ssl",
                "youtube.readonly",
                "youtube.upload",
                "youtubepartner",
                "yt-analytics.readonly",
            )
        ),
        max_length=5000,
    ),
    Provider(
        "gmb",
        "Google My Business",
        OAUTH2,
        "GOOGLE_GMB_CLIENT_ID",
        (_GOOGLE + "userinfo.profile", _GOOGLE + "userinfo.email", _GOOGLE + "business.manage"),
    ),
    Provider(
        "tiktok",
        "Tiktok",
        OAUTH2,
        "TIKTOK_CLIENT_ID",
        (
            "video.list",
            "user.info.basic",
            "video.publish",
            "video.upload",
            "user.info.profile",
            "user.info.stats",
        ),
        redirectmeto=True,
    ),
    Provider(
        "pinterest",
        "Pinterest",
        OAUTH2,
        "PINTEREST_CLIENT_ID",
        ("boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read"),
    ),
    Provider("dribbble", "Dribbble", OAUTH2, "DRIBBBLE_CLIENT_ID", ("public", "upload")),
    Provider("discord", "Discord", OAUTH2, "DISCORD_CLIENT_ID", ("identify", "guilds")),
    Provider(
        "slack",
        "Slack",
        OAUTH2,
        "SLACK_ID",
        ("channels:read", "chat:write", "users:read", "groups:read", "channels:join", "chat:write.customize"),
        redirectmeto=True,
    ),
    Provider("kick", "Kick", OAUTH2, "KICK_CLIENT_ID", ("chat:write", "user:read", "channel:read")),
    Provider(
        "twitch",
        "Twitch",
        OAUTH2,
        "TWITCH_CLIENT_ID",
        ("user:write:chat", "user:read:chat", "moderator:manage:announcements"),
    ),
    Provider(
        "mastodon",
        "Mastodon",
        OAUTH2,
        "MASTODON_CLIENT_ID",
        ("write:statuses", "profile", "write:media"),
        max_length=500,  # inference (mastodon.social default)
    ),
    Provider("bluesky", "Bluesky", CUSTOM_FIELDS, max_length=300),  # inference
    Provider("lemmy", "Lemmy", CUSTOM_FIELDS),
    Provider("wrapcast", "Farcaster", OTHER),
    Provider("telegram", "Telegram", OTHER),
    Provider("nostr", "Nostr", CUSTOM_FIELDS),
    Provider(
        "vk",
        "VK",
        OAUTH2,
        "VK_ID",
        ("vkid.personal_info", "email", "wall", "status", "docs", "photos", "video"),
        redirectmeto=True,
    ),
    Provider("medium", "Medium", CUSTOM_FIELDS),
    Provider("devto", "Dev.to", CUSTOM_FIELDS),
    Provider("hashnode", "Hashnode", CUSTOM_FIELDS),
    Provider("wordpress", "WordPress", CUSTOM_FIELDS),
    Provider("listmonk", "ListMonk", CUSTOM_FIELDS),
    Provider("moltbook", "Moltbook", OTHER),
    Provider(
        "whop",
        "Whop",
        OAUTH2,
        "WHOP_CLIENT_ID",
        ("openid", "profile", "email", "forum:post:create", "forum:read", "company:basic:read"),
    ),
    Provider("skool", "Skool", OTHER),
    Provider("mewe", "MeWe", OAUTH2, "MEWE_APP_ID"),
    Provider("tumblr", "Tumblr", OAUTH2, "TUMBLR_CLIENT_ID", ("write", "offline_access")),
)

BY_ID: dict[str, Provider] = {p.identifier: p for p in PROVIDERS}

# Every variable the authorize URLs read, so Settings can keep a raw snapshot of them
# (unset and empty differ in JavaScript string interpolation: "undefined" vs "").
URL_ENV_NAMES: tuple[str, ...] = tuple(
    sorted(
        {p.client_id_env for p in PROVIDERS if p.client_id_env}
        | {"FRONTEND_URL", "X_URL", "MASTODON_URL", "MEWE_HOST", "YOUTUBE_CLIENT_ID"}
    )
)


def get(identifier: str) -> Provider | None:
    return BY_ID.get(identifier)


def allowed(identifier: str) -> bool:
    """A provider of Postiz v2.23.0, which reads no HIDDEN_PROVIDERS: every one of them is offered
    (missing keys never hide one). Later releases only drop hidden ones from the add-channel list."""
    return identifier in BY_ID
