# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Provider authorize URLs and redirect URIs as Postiz builds them from env (FACTS §3, §3.1).

Exact shapes (query order included) come from FACTS §3.1 for linkedin, linkedin-page,
facebook, instagram, instagram-standalone and youtube. The other OAuth2 providers use
the platform's public authorize endpoint with the FACTS scopes and redirect URI; their
query order is the double's choice (FACTS does not give it).

Postiz interpolates env values into template strings, so an unset variable becomes the
text ``undefined`` and an empty one an empty string; this module keeps that.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
from collections.abc import Callable, Mapping
from urllib.parse import quote

from . import providers
from .providers import Provider

REDIRECTMETO = "https://redirectmeto.com/"
STATE_TTL_SECONDS = 3600
_ALPHANUMERIC = string.ascii_letters + string.digits

Env = Mapping[str, str]


class NeedsLiveCall(Exception):
    """The provider (X, OAuth 1.0a) needs a request-token call to its API first."""


def js_env(env: Env, name: str) -> str:
    """``${process.env.NAME}``: unset gives "undefined"."""
    value = env.get(name)
    return "undefined" if value is None else value


def encode(value: str) -> str:
    """encodeURIComponent: everything but ``A-Z a-z 0-9 - _ . ! ~ * ' ( )`` is escaped."""
    return quote(value, safe="-_.!~*'()")


def make_state(length: int = 6) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def state_length(identifier: str) -> int:
    return 7 if identifier == "youtube" else 6


def code_verifier() -> str:
    return make_state(64)


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def redirect_uri(provider: Provider, env: Env) -> str:
    """The callback Postiz sends; also the URI to register with the platform."""
    base = js_env(env, "FRONTEND_URL")
    if provider.identifier == "x":
        base = env.get("X_URL") or base  # X_URL || FRONTEND_URL: empty counts as unset
    uri = f"{base}/integrations/social/{provider.identifier}"
    if provider.trailing_slash:
        uri += "/"
    if provider.redirectmeto and "https" not in js_env(env, "FRONTEND_URL"):
        uri = REDIRECTMETO + uri
    return uri


def _query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" for k, v in pairs)


def _google(endpoint_client: str, p: Provider, env: Env, state: str, challenge: str) -> str:
    # googleapis' generateAuthUrl runs querystring.stringify, which writes unset values as "".
    pairs = [
        ("access_type", "offline"),
        ("prompt", "consent"),
        ("state", state),
        ("redirect_uri", encode(redirect_uri(p, env))),
        ("scope", encode(" ".join(p.scopes))),
        ("response_type", "code"),
        ("client_id", encode(endpoint_client)),
    ]
    return "https://accounts.google.com/o/oauth2/v2/auth?" + _query(pairs)


def _standard(
    endpoint: str, client_param: str = "client_id", sep: str = " ", extra=(), raw_scope: str | None = None
) -> Callable:
    """Builder for the providers whose query order FACTS does not give.

    ``raw_scope`` is sent unencoded where FACTS quotes the literal (Discord, Dribbble).
    """

    def build(p: Provider, env: Env, state: str, challenge: str) -> str:
        pairs = [
            (client_param, js_env(env, p.client_id_env or "")),
            ("redirect_uri", encode(redirect_uri(p, env))),
            ("response_type", "code"),
            ("state", state),
        ]
        if raw_scope is not None:
            pairs.append(("scope", raw_scope))
        elif p.scopes:
            pairs.append(("scope", encode(sep.join(p.scopes))))
        for key, value in extra:
            pairs.append((key, challenge if value == "<challenge>" else value))
        return endpoint + "?" + _query(pairs)

    return build


_PKCE = (("code_challenge", "<challenge>"), ("code_challenge_method", "S256"))


def _linkedin(p: Provider, env: Env, state: str, challenge: str) -> str:
    client = ("client_id", js_env(env, "LINKEDIN_CLIENT_ID"))
    head = [("response_type", "code"), client, ("prompt", "none")]
    if p.identifier == "linkedin-page":
        head = [("response_type", "code"), ("prompt", "none"), client]
    tail = [
        ("redirect_uri", encode(redirect_uri(p, env))),
        ("state", state),
        ("scope", encode(" ".join(p.scopes))),
    ]
    return "https://www.linkedin.com/oauth/v2/authorization?" + _query(head + tail)


def _facebook_dialog(p: Provider, env: Env, state: str, challenge: str) -> str:
    scope = ",".join(p.scopes)
    pairs = [
        ("client_id", js_env(env, "FACEBOOK_APP_ID")),
        ("redirect_uri", encode(redirect_uri(p, env))),
        ("state", state),
        # Facebook Page sends the comma list as is; Instagram encodes it.
        ("scope", scope if p.identifier == "facebook" else encode(scope)),
    ]
    return "https://www.facebook.com/v20.0/dialog/oauth?" + _query(pairs)


def _instagram_standalone(p: Provider, env: Env, state: str, challenge: str) -> str:
    pairs = [
        ("enable_fb_login", "0"),
        ("client_id", js_env(env, "INSTAGRAM_APP_ID")),
        ("redirect_uri", encode(redirect_uri(p, env))),
        ("response_type", "code"),
        ("scope", encode(",".join(p.scopes))),
        ("state", state),
    ]
    return "https://www.instagram.com/oauth/authorize?" + _query(pairs)


def _youtube(p: Provider, env: Env, state: str, challenge: str) -> str:
    return _google(env.get("YOUTUBE_CLIENT_ID", ""), p, env, state, challenge)


def _gmb(p: Provider, env: Env, state: str, challenge: str) -> str:
    return _google(
        env.get("GOOGLE_GMB_CLIENT_ID") or env.get("YOUTUBE_CLIENT_ID", ""), p, env, state, challenge
    )


def _mastodon(p: Provider, env: Env, state: str, challenge: str) -> str:
    instance = env.get("MASTODON_URL") or "https://mastodon.social"
    return _standard(instance + "/oauth/authorize")(p, env, state, challenge)


def _mewe(p: Provider, env: Env, state: str, challenge: str) -> str:
    host = env.get("MEWE_HOST") or "https://mewe.com"
    return _standard(host + "/login", client_param="app_id")(p, env, state, challenge)


BUILDERS: dict[str, Callable[[Provider, Env, str, str], str]] = {
    "linkedin": _linkedin,
    "linkedin-page": _linkedin,
    "facebook": _facebook_dialog,
    "instagram": _facebook_dialog,
    "instagram-standalone": _instagram_standalone,
    "youtube": _youtube,
    "gmb": _gmb,
    "mastodon": _mastodon,
    "mewe": _mewe,
    "discord": _standard(
        "https://discord.com/oauth2/authorize",
        extra=(("permissions", "377957124096"), ("integration_type", "0")),
        raw_scope="bot+identify+guilds",
    ),
    "reddit": _standard("https://www.reddit.com/api/v1/authorize", extra=(("duration", "permanent"),)),
    "threads": _standard("https://threads.net/oauth/authorize", sep=","),
    "tiktok": _standard("https://www.tiktok.com/v2/auth/authorize/", client_param="client_key", sep=","),
    "pinterest": _standard("https://www.pinterest.com/oauth/", sep=","),
    "dribbble": _standard("https://dribbble.com/oauth/authorize", raw_scope="public+upload"),
    "slack": _standard("https://slack.com/oauth/v2/authorize", sep=","),
    "kick": _standard("https://id.kick.com/oauth/authorize", extra=_PKCE),
    "twitch": _standard("https://id.twitch.tv/oauth2/authorize"),
    "vk": _standard("https://id.vk.com/authorize", extra=_PKCE),
    "whop": _standard("https://api.whop.com/oauth/authorize", extra=_PKCE),
    "tumblr": _standard("https://www.tumblr.com/oauth2/authorize"),
}


def authorize_url(identifier: str, env: Env, state: str, verifier: str) -> str:
    """The provider URL for an allowed identifier; the state itself for credential flows.

    Raises NeedsLiveCall for X (OAuth 1.0a).
    """
    provider = providers.BY_ID[identifier]
    if provider.auth == providers.OAUTH1:
        raise NeedsLiveCall(identifier)
    builder = BUILDERS.get(identifier)
    if builder is None:
        return state  # custom fields, bots, web3, extension: the UI gets the state back
    return builder(provider, env, state, code_challenge(verifier))
