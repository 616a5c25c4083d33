# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that check, wire and explain the OAuth credentials of Postiz's channel providers.

Everything provider-specific comes from the catalog the oauth_secrets role keeps in
roles/oauth_secrets/vars/main/providers.yml; these filters only apply its rules.
Documentation lives in the YAML sidecars next to this file (oauth_env.yml and so on).

No message built here ever contains a credential: values are quoted back only for
URL fields, because a value pasted into the wrong field may well be a secret.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_urls import mask_url, parse_error
from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_versions import compare_versions

# Postiz puts this redirector in front of the callback of some providers when
# FRONTEND_URL does not contain the text "https" (a substring test, upstream).
REDIRECTMETO = "https://redirectmeto.com/"
CALLBACK_PATH = "/integrations/social/"
DEFAULT_PORTS = {"http": 80, "https": 443}

AUTH_TYPES = ("oauth2", "oauth1", "credentials", "bot", "web3", "extension", "agent", "redirect")
REDIRECT_TYPES = ("none", "standard", "redirectmeto")
FIELD_KINDS = ("id", "secret", "url")
ENTRY_KEYS = ("id", "name", "auth", "env", "redirect")

# Postiz reads HIDDEN_PROVIDERS only in releases after this one; v2.23.0 and older list
# every provider whatever it says.
HIDDEN_PROVIDERS_AFTER = "v2.23.0"


# -- the Postiz version ----------------------------------------------------------


def _has(after, postiz_version):
    """Whether a Postiz release has what came after release ``after``. No version (None or '')
    means the newest; a tag that cannot be ordered (a test build, a digest) is taken as newer."""
    if not after or not postiz_version:
        return True
    order = compare_versions(postiz_version, after)
    return order is None or order > 0


def _version_text(postiz_version):
    return f"Postiz {postiz_version} (postiz_version)"


def _not_in_version(ident, entry, index, postiz_version):
    return (
        f"{ident} is not a provider of {_version_text(postiz_version)}, which has {len(index)}: it came after "
        f"{entry['after']}, so it needs a Postiz release newer than {entry['after']}. Remove it, or set "
        "postiz_version to such a release."
    )


# -- the catalog ---------------------------------------------------------------


def _version_index(catalog, postiz_version):
    """(the providers of that Postiz version, every provider of the catalog), both in catalog order."""
    full = _catalog_index(catalog)
    return {ident: e for ident, e in full.items() if _has(e.get("after"), postiz_version)}, full


def _catalog_index(catalog):
    """{identifier: entry} in catalog order; a malformed catalog is a bug, so it raises."""
    if not isinstance(catalog, Sequence) or isinstance(catalog, (str, bytes)):
        raise AnsibleFilterError(
            f"The provider catalog must be a list of providers, got a {type(catalog).__name__}."
        )
    index = {}
    for position, entry in enumerate(catalog, 1):
        if not isinstance(entry, Mapping) or any(key not in entry for key in ENTRY_KEYS):
            raise AnsibleFilterError(
                f"Provider catalog entry {position} must be a mapping with at least {', '.join(ENTRY_KEYS)}."
            )
        ident = entry["id"]
        if ident in index:
            raise AnsibleFilterError(f"The provider catalog lists {ident!r} twice.")
        if entry["auth"] not in AUTH_TYPES or entry["redirect"] not in REDIRECT_TYPES:
            raise AnsibleFilterError(
                f"Provider catalog entry {ident!r} has an unknown auth or redirect type."
            )
        if entry.get("after") is not None and compare_versions(entry["after"], "0") is None:
            raise AnsibleFilterError(
                f"Provider catalog entry {ident!r} has 'after' that is not a release version."
            )
        for var in entry["env"] or ():
            if var.get("kind") not in FIELD_KINDS or not var.get("field") or not var.get("name"):
                raise AnsibleFilterError(f"Provider catalog entry {ident!r} has a malformed env entry.")
            try:
                re.compile(var["shape"]["regex"])
            except (KeyError, TypeError, re.error) as exc:
                raise AnsibleFilterError(
                    "Provider catalog entry {!r}, {}: bad shape ({}).".format(ident, var["name"], exc)
                ) from exc
        index[ident] = entry
    for entry in index.values():
        if entry.get("fallback") and entry["fallback"] not in index:
            raise AnsibleFilterError(
                "Provider catalog entry {!r} falls back to unknown {!r}.".format(
                    entry["id"], entry["fallback"]
                )
            )
    return index


def _env_vars(entry):
    return list(entry.get("env") or ())


def _required(entry):
    return [var for var in _env_vars(entry) if var.get("required")]


def _fields_text(variables):
    return ", ".join("{} ({})".format(var["field"], var["name"]) for var in variables)


def _needs_no_env(entry):
    """Providers the user connects in the UI alone (Bluesky, Nostr, …): nothing to configure here."""
    return not _env_vars(entry)


# -- URLs ----------------------------------------------------------------------


def _parse_frontend(public_url):
    """(FRONTEND_URL as the stack writes it, None), or (None, why the URL is unusable)."""
    if not isinstance(public_url, str) or not public_url:
        return None, "it must be a non-empty string, like https://postiz.example.com"
    try:
        parts = urlsplit(public_url)
        port = parts.port
    except ValueError as exc:
        return None, f"{mask_url(public_url)!r} cannot be parsed ({parse_error(public_url, exc)})"
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or any(ch.isspace() for ch in public_url):
        return (
            None,
            f"{mask_url(public_url)!r} must start with http:// or https://, name a host and contain no spaces",
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return (
            None,
            f"{mask_url(public_url)!r} must be scheme, host and port only: Postiz is served at the root of its host",
        )
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}", None
    return f"{scheme}://{host}", None


def _frontend_url(public_url):
    frontend, reason = _parse_frontend(public_url)
    if reason:
        raise AnsibleFilterError(f"The public URL is not usable: {reason}.")
    return frontend


def _redirect_uri(entry, frontend, x_url=None):
    if entry["redirect"] == "none":
        return ""
    base = frontend
    if entry["id"] == "x" and x_url:
        # X_URL replaces FRONTEND_URL as the base of X's callback, and only that.
        base = x_url.rstrip("/")
    uri = base + CALLBACK_PATH + entry["id"] + ("/" if entry.get("trailing_slash") else "")
    if entry["redirect"] == "redirectmeto" and "https" not in frontend:
        uri = REDIRECTMETO + uri
    return uri


def oauth_redirect_uri(public_url, identifier, catalog, x_url=None, postiz_version=None):
    """The exact redirect URI Postiz sends for one provider ('' when it has none)."""
    index, full = _version_index(catalog, postiz_version)
    if identifier in full and identifier not in index:
        raise AnsibleFilterError(_not_in_version(identifier, full[identifier], index, postiz_version))
    if identifier not in index:
        raise AnsibleFilterError(
            f"{identifier!r} is not a Postiz provider identifier.{_did_you_mean(identifier, index)}"
        )
    return _redirect_uri(index[identifier], _frontend_url(public_url), x_url or None)


# -- checking the user's input -------------------------------------------------


def _normalise(name):
    return re.sub(r"[\s_.]+", "-", str(name).strip().lower())


def _did_you_mean(name, index):
    """' Did you mean 'x'?' from identifiers, aliases and display names, or ''."""
    wanted = _normalise(name)
    candidates = {}
    for ident, entry in index.items():
        candidates.setdefault(_normalise(ident), ident)
        for alias in [*list(entry.get("aliases") or ()), entry["name"]]:
            candidates.setdefault(_normalise(alias), ident)
    if wanted in candidates:
        return f" Did you mean {candidates[wanted]!r}?"
    close = difflib.get_close_matches(wanted, list(candidates), n=3, cutoff=0.75)
    suggestions = list(dict.fromkeys(candidates[match] for match in close))
    if suggestions:
        return " Did you mean {}?".format(" or ".join(repr(item) for item in suggestions))
    return ""


def _as_text(value):
    """(text, None) for a usable value, (None, None) when absent, (None, reason) otherwise."""
    if type(value).__name__ == "EncryptedString":  # an inline !vault value that reached us undecrypted
        value = str(value)
    if value is None or (isinstance(value, str) and value == ""):
        return None, None
    if isinstance(value, bool):
        return None, "is a boolean, not text"
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        return None, "was read by YAML as a number and may have lost digits"
    if not isinstance(value, str):
        return None, f"is a {type(value).__name__}, not text"
    return value, None


def _check_value(ident, var, value):
    """A sentence when the value does not have the catalog's shape, else None."""
    text, reason = _as_text(value)
    label = "{}: {} ({})".format(ident, var["field"], var["name"])
    if reason:
        return "{} {}; expected {}, in quotes.".format(label, reason, var["shape"]["description"])
    if text is None:
        return None
    if text != text.strip():
        return "{} has spaces or line breaks around it; expected {}.".format(
            label, var["shape"]["description"]
        )
    if not re.fullmatch(var["shape"]["regex"], text):
        shown = (f" {mask_url(text)!r}") if var["kind"] == "url" else f" ({len(text)} characters)"
        return "{} has the wrong shape{}; expected {}.".format(label, shown, var["shape"]["description"])
    return None


def _given(entry, creds):
    """{field: text} of the non-empty values the user gave for this provider."""
    given = {}
    for var in _env_vars(entry):
        text, reason = _as_text(creds.get(var["field"]))
        if text is not None and not reason:
            given[var["field"]] = text
    return given


def _complete(entry, creds):
    given = _given(entry, creds)
    return all(var["field"] in given for var in _required(entry))


def _lender(ident, index, configured):
    """The configured provider whose credentials `ident` uses when it gives none, or None."""
    entry = index[ident]
    names = {var["name"] for var in _required(entry)}
    if entry.get("shared_app"):
        for other, creds in configured.items():
            other_entry = index[other]
            if (
                other != ident
                and other_entry.get("shared_app") == entry["shared_app"]
                and {var["name"] for var in _required(other_entry)} == names
                and _complete(other_entry, creds)
            ):
                return other
    fallback = entry.get("fallback")
    if fallback in configured and _complete(index[fallback], configured[fallback]):
        return fallback
    return None


def _siblings(ident, index):
    entry = index[ident]
    if not entry.get("shared_app"):
        return []
    return [
        other
        for other, item in index.items()
        if other != ident and item.get("shared_app") == entry["shared_app"]
    ]


def _entry_problems(ident, entry, creds, index, configured):
    problems = []
    fields = {var["field"]: var for var in _env_vars(entry)}
    if _needs_no_env(entry):
        if creds:
            problems.append(
                "{} takes no credentials here: it is connected in the Postiz UI, where the user enters {}. "
                "Remove its fields.".format(ident, "; ".join(entry.get("ui_entry") or ()))
            )
        return problems
    for key in creds:
        if key not in fields:
            hint = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.6)
            problems.append(
                "{} has the unknown field {!r}{}; expected fields: {}.".format(
                    ident,
                    key,
                    (f" (did you mean {hint[0]!r}?)") if hint else "",
                    _fields_text(_env_vars(entry)),
                )
            )
    for var in _env_vars(entry):
        problem = _check_value(ident, var, creds.get(var["field"]))
        if problem:
            problems.append(problem)
    # A value that is there but unusable was reported above; only absent ones are missing.
    missing = [var for var in _required(entry) if _as_text(creds.get(var["field"])) == (None, None)]
    if not missing:
        return problems
    gives_any_required = any(_as_text(creds.get(var["field"])) != (None, None) for var in _required(entry))
    if not gives_any_required and _lender(ident, index, configured):
        return problems
    alternatives = [
        other
        for other in _siblings(ident, index)
        if {v["name"] for v in _required(index[other])} == {v["name"] for v in _required(entry)}
    ]
    if entry.get("fallback"):
        alternatives.append(entry["fallback"])
    if alternatives and not creds:
        text = (
            f"{ident} is empty, so it needs the app of {' or '.join(alternatives)}, which is not completely "
            f"configured: configure {' or '.join(alternatives)}, or give {ident} its own {_fields_text(missing)}."
        )
    elif alternatives and not gives_any_required:
        text = "{} is missing {}, or leave it empty ({{}}) and configure {}, whose app it then uses.".format(
            ident, _fields_text(missing), " or ".join(alternatives)
        )
    else:
        text = f"{ident} is missing {_fields_text(missing)}."
    problems.append(text)
    return problems


def _conflicts(index, configured):
    """Two providers writing one variable with different values (a shared app given twice)."""
    first = {}
    clashes = {}
    for ident, creds in configured.items():
        entry = index[ident]
        given = _given(entry, creds)
        for var in _env_vars(entry):
            if var["field"] not in given:
                continue
            previous = first.setdefault(var["name"], (ident, given[var["field"]]))
            if previous[1] != given[var["field"]]:
                clashes.setdefault((previous[0], ident), []).append(var)
    return [
        f"{owner} and {other} share one app but give different values for {_fields_text(variables)}. Give the credentials once, under {owner}, and "
        f"leave {other} empty ({{}}), or give identical values."
        for (owner, other), variables in clashes.items()
    ]


def _configured(providers):
    """{identifier: credentials mapping} with None/empty entries as {} (an enabled, borrowing provider)."""
    return {ident: (creds if isinstance(creds, Mapping) else {}) for ident, creds in providers.items()}


def _hidden_extra_list(hidden_extra):
    if hidden_extra is None:
        return []
    if isinstance(hidden_extra, str) or not isinstance(hidden_extra, Sequence):
        raise AnsibleFilterError("hidden_extra must be a list of provider identifiers.")
    return list(hidden_extra)


def oauth_problems(providers, catalog, public_url=None, hidden_extra=None, postiz_version=None):
    """Every problem with the providers mapping, one sentence each; [] when it is usable."""
    index, full = _version_index(catalog, postiz_version)
    problems = []
    if public_url is not None:
        reason = _parse_frontend(public_url)[1]
        if reason:
            problems.append(f"oauth_secrets_public_url: {reason}.")
    if providers is None:
        providers = {}
    if not isinstance(providers, Mapping):
        return [
            *problems,
            "oauth_secrets_providers must be a mapping from provider identifier to its credentials, "
            f"got a {type(providers).__name__}.",
        ]
    known = {}
    for ident, creds in providers.items():
        if ident in full and ident not in index:
            problems.append(_not_in_version(ident, full[ident], index, postiz_version))
        elif ident not in index:
            suggestion = _did_you_mean(ident, index)
            problems.append(
                "oauth_secrets_providers has the unknown provider {!r}.{}".format(
                    ident, suggestion or " Known identifiers: {}.".format(", ".join(index))
                )
            )
        elif creds is not None and not isinstance(creds, Mapping):
            problems.append(
                "{} must be a mapping of its credentials ({}), or {{}} to use a shared app; got a {}.".format(
                    ident, _fields_text(_env_vars(index[ident])) or "none", type(creds).__name__
                )
            )
        else:
            known[ident] = creds or {}
    for ident, creds in known.items():
        problems.extend(_entry_problems(ident, index[ident], creds, index, known))
    problems.extend(_conflicts(index, known))
    if hidden_extra is not None and (isinstance(hidden_extra, str) or not isinstance(hidden_extra, Sequence)):
        return [*problems, "oauth_secrets_hidden_extra must be a list of provider identifiers."]
    if hidden_extra and not _has(HIDDEN_PROVIDERS_AFTER, postiz_version):
        problems.append(
            f"oauth_secrets_hidden_extra hides providers through HIDDEN_PROVIDERS, which Postiz reads only in releases "
            f"after {HIDDEN_PROVIDERS_AFTER}: {_version_text(postiz_version)} lists every provider whatever it says. "
            "Empty oauth_secrets_hidden_extra, or set postiz_version to a newer release."
        )
    for ident in hidden_extra or ():
        if ident in full and ident not in index:
            problems.append(_not_in_version(ident, full[ident], index, postiz_version))
        elif ident not in index:
            problems.append(
                f"oauth_secrets_hidden_extra has the unknown provider {ident!r}.{_did_you_mean(ident, index)}"
            )
        elif ident in known:
            problems.append(
                f"{ident} is both configured in oauth_secrets_providers and hidden by oauth_secrets_hidden_extra; "
                "remove it from one of them."
            )
    return problems


def _raise_on_problems(providers, catalog, hidden_extra, public_url=None, postiz_version=None):
    problems = oauth_problems(
        providers, catalog, public_url=public_url, hidden_extra=hidden_extra, postiz_version=postiz_version
    )
    if problems:
        raise AnsibleFilterError("The OAuth provider settings have problems: " + " ".join(problems))


# -- the environment -------------------------------------------------------------


def _hidden(index, configured, hide_unconfigured, hidden_extra, postiz_version=None):
    """Identifiers for HIDDEN_PROVIDERS, in catalog order; none for a Postiz that does not read it."""
    try:
        # 'false' from -e is a string; bool('false') would be True.
        hide_unconfigured = boolean(hide_unconfigured, strict=True)
    except TypeError:
        raise AnsibleFilterError(
            f"hide_unconfigured must be true or false, got {hide_unconfigured!r}."
        ) from None
    if not _has(HIDDEN_PROVIDERS_AFTER, postiz_version):
        return []
    extra = set(hidden_extra)
    hidden = []
    for ident, entry in index.items():
        if ident in extra:
            hidden.append(ident)
        elif hide_unconfigured and ident not in configured and not _needs_no_env(entry):
            # Providers without env variables work as they are, so they stay listed.
            hidden.append(ident)
    return hidden


def oauth_env(providers, catalog, hide_unconfigured=True, hidden_extra=None, postiz_version=None):
    """{ENV_NAME: value} for the Postiz container: credentials plus HIDDEN_PROVIDERS (when read)."""
    _raise_on_problems(providers, catalog, hidden_extra, postiz_version=postiz_version)
    index = _version_index(catalog, postiz_version)[0]
    configured = _configured(providers or {})
    env = {}
    for ident, creds in configured.items():
        entry = index[ident]
        given = _given(entry, creds)
        for var in _env_vars(entry):
            if var["field"] in given:
                env[var["name"]] = given[var["field"]]
    hidden = _hidden(index, configured, hide_unconfigured, _hidden_extra_list(hidden_extra), postiz_version)
    if hidden:
        env["HIDDEN_PROVIDERS"] = ",".join(hidden)
    return dict(sorted(env.items()))


# -- the checklist -----------------------------------------------------------------


def _groups(index, configured):
    """[[identifier, …], …]: providers that use one developer app, in catalog order."""
    owner = {}
    for ident in index:
        if ident not in configured or _needs_no_env(index[ident]):
            # UI-only providers have no app; the checklist lists them in their own section.
            continue
        entry = index[ident]
        lender = (
            None
            if any(v["field"] in _given(entry, configured[ident]) for v in _required(entry))
            else _lender(ident, index, configured)
        )
        owner[ident] = lender or ident
    groups = {}
    for ident in index:
        if ident in owner:
            root = owner[ident]
            while owner.get(root, root) != root:
                root = owner[root]
            groups.setdefault(root, []).append(ident)
    ordered = sorted(groups.values(), key=lambda members: min(list(index).index(m) for m in members))
    return ordered


def _code(text):
    return f"`{text}`"


def _unique(items):
    return list(dict.fromkeys(items))


def _console(entry, creds):
    console = entry.get("console")
    if not console:
        return None
    if "{url}" in console:
        url = (
            creds.get("url")
            or next((var.get("default") for var in _env_vars(entry) if var["field"] == "url"), None)
            or "<instance URL>"
        )
        console = console.replace("{url}", str(url).rstrip("/"))
    return console


def _could_join(members, index, configured):
    """Unconfigured providers that would use this group's app if listed as {}."""
    joiners = []
    for other, entry in index.items():
        if other in configured:
            continue
        names = {var["name"] for var in _required(entry)}
        for ident in members:
            member = index[ident]
            shares = (
                entry.get("shared_app")
                and entry["shared_app"] == member.get("shared_app")
                and names == {var["name"] for var in _required(member)}
            )
            if shares or entry.get("fallback") == ident:
                joiners.append(other)
                break
    return joiners


def _app_section(members, index, configured, frontend, x_url):
    entries = [index[ident] for ident in members]
    lead = entries[0]
    title = ", ".join("{} ({})".format(entry["name"], _code(entry["id"])) for entry in entries)
    lines = [f"## {title}", ""]
    if len(members) > 1:
        lines.append(
            "One app serves {}: create it once and register every redirect URI below in it.".format(
                " and ".join(_code(ident) for ident in members)
            )
        )
        lines.append("")
    owner = next((ident for ident in members if _given(index[ident], configured[ident])), members[0])
    console = _console(index[owner], configured[owner])
    lines.append(
        "- Developer console: %s" % (console or "none listed; get the credentials from the provider")
    )
    if any(entry.get("app_type") for entry in entries):
        lines.append(
            "- App type: {}".format("; ".join(_unique(e["app_type"] for e in entries if e.get("app_type"))))
        )
    products = _unique(p for entry in entries for p in entry.get("products") or ())
    if products:
        lines.append("- Products / APIs to add: {}".format(", ".join(products)))
    uris = [(entry["id"], _redirect_uri(entry, frontend, x_url)) for entry in entries]
    uris = [(ident, uri) for ident, uri in uris if uri]
    if len(uris) == 1:
        lines.append(f"- Redirect URI to register: {_code(uris[0][1])}")
    elif uris:
        lines.append("- Redirect URIs to register:")
        lines.extend(f"  - {_code(uri)}" for _ident, uri in uris)
    scoped = [(entry["id"], entry.get("scopes") or ()) for entry in entries]
    if len(scoped) == 1 or len({tuple(scopes) for _ident, scopes in scoped}) == 1:
        scopes = scoped[0][1]
        lines.append(
            "- Scopes to request: %s"
            % (
                ", ".join(_code(s) for s in scopes)
                if scopes
                else "none (%s)" % ("OAuth 1.0a" if lead["auth"] == "oauth1" else "no OAuth scopes")
            )
        )
    else:
        lines.append("- Scopes to request:")
        lines.extend(
            "  - for {}: {}".format(_code(ident), ", ".join(_code(s) for s in scopes) or "none")
            for ident, scopes in scoped
        )
    written = [
        var for var in _env_vars(index[owner]) if var["field"] in _given(index[owner], configured[owner])
    ]
    for ident in members:
        if ident != owner:
            written += [
                var
                for var in _env_vars(index[ident])
                if var["field"] in _given(index[ident], configured[ident]) and var not in written
            ]
    lines.append(
        "- Credentials (from oauth_secrets_providers.{}): {}".format(
            owner, ", ".join("{} → {}".format(var["field"], var["name"]) for var in written)
        )
    )
    for other in _could_join(members, index, configured):
        uri = _redirect_uri(index[other], frontend, x_url)
        lines.append(
            "- {} ({}) can use this app too: add `{}: {{}}` to oauth_secrets_providers{}.".format(
                index[other]["name"],
                _code(other),
                other,
                (f" and register {_code(uri)} here as well") if uri else "",
            )
        )
    ui_steps = _unique(step for entry in entries for step in entry.get("ui_entry") or ())
    if ui_steps:
        lines.append("- In the Postiz UI: {}.".format("; ".join(ui_steps)))
    notes = _unique(note for entry in entries for note in entry.get("notes") or ())
    if notes:
        lines.append("- Notes:")
        lines.extend(f"  - {note}" for note in notes)
    lines.append("")
    return lines


def oauth_checklist(
    providers, catalog, public_url, hide_unconfigured=True, hidden_extra=None, postiz_version=None
):
    """Markdown for humans: per developer app, where to create it and what to register."""
    _raise_on_problems(providers, catalog, hidden_extra, public_url=public_url, postiz_version=postiz_version)
    index = _version_index(catalog, postiz_version)[0]
    configured = _configured(providers or {})
    frontend = _frontend_url(public_url)
    x_url = configured.get("x", {}).get("url") or None
    hidden = _hidden(index, configured, hide_unconfigured, _hidden_extra_list(hidden_extra), postiz_version)

    lines = [
        "# Postiz: channel providers to set up",
        "",
        f"Public URL: {frontend}",
        "",
        "Written by the selfhosted.postiz.oauth_secrets role from oauth_secrets_providers; it holds no secrets.",
        "Register every redirect URI exactly as written here: scheme, host, port, path and trailing slash.",
        f"Connect channels from a browser at exactly {frontend}: another host name loses the login session and the "
        'OAuth state ("Invalid state").',
        "",
    ]
    oauth_ids = [ident for ident in configured if index[ident]["redirect"] == "redirectmeto"]
    if "https" not in frontend and oauth_ids:
        lines += [
            "The public URL is not https, so Postiz sends the callbacks of {} through https://redirectmeto.com/; "
            "the URIs below already include it. Instagram, Facebook and TikTok also need public HTTPS to fetch "
            "media.".format(", ".join(_code(i) for i in oauth_ids)),
            "",
        ]
    if not configured:
        lines += ["No provider is configured in oauth_secrets_providers.", ""]
    for members in _groups(index, configured):
        lines += _app_section(members, index, configured, frontend, x_url)

    visible_ui = [ident for ident, entry in index.items() if _needs_no_env(entry) and ident not in hidden]
    if visible_ui:
        lines += ["## Connected in the Postiz UI, no app to create", ""]
        for ident in visible_ui:
            entry = index[ident]
            lines.append(
                "- {} ({}): {}.".format(entry["name"], _code(ident), "; ".join(entry.get("ui_entry") or ()))
            )
        lines.append("")
    if not _has(HIDDEN_PROVIDERS_AFTER, postiz_version):
        lines += [
            "## The add-channel list",
            "",
            f"{_version_text(postiz_version)} does not read HIDDEN_PROVIDERS (Postiz reads it only in releases after "
            f"{HIDDEN_PROVIDERS_AFTER}): its add-channel list shows all {len(index)} providers, and one without "
            "credentials here fails when someone tries to connect it.",
        ]
        return "\n".join(lines) + "\n"
    lines += ["## Hidden from the add-channel list", ""]
    lines.append("HIDDEN_PROVIDERS={}".format(",".join(hidden)) if hidden else "Nothing is hidden.")
    return "\n".join(lines) + "\n"


class FilterModule:
    """OAuth provider filters."""

    def filters(self):
        return {
            "oauth_redirect_uri": oauth_redirect_uri,
            "oauth_problems": oauth_problems,
            "oauth_env": oauth_env,
            "oauth_checklist": oauth_checklist,
        }
