# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bootstrap of the first Postiz account and retrieval of its organization API key.

Pure logic with no AnsibleModule, so it can be unit-tested against a local HTTP
server. The module ``selfhosted.postiz.postiz_admin`` is a thin wrapper around
:func:`ensure_admin`.

The routes and texts are the dashboard API of Postiz (``/api/auth/*`` and
``/api/user/self``): register answers ``{"register": true}`` with an ``auth``
cookie, or ``{"activate": true}`` when an e-mail provider is configured; login
answers ``{"login": true}`` with the same cookie; failures are HTTP 400 with a
plain-text body. The session JWT is sent back in the ``auth`` request header,
which Postiz accepts like the cookie and which works over plain HTTP, where a
``Secure`` cookie would not be sent back by a browser.

Login is tried before registering because it is cheap and changes nothing, so a
second run reports no change. Registration runs only when login is refused.

With an e-mail provider, Postiz creates the account inactive and mails a link. By
default that is a failure with instructions; with ``activation="report"`` the result
says ``activation_required`` instead, so the caller (the postiz_stack role) can activate
that one account in the database and call again. It is reported only after Postiz
accepted this e-mail and password: a registration it answered with ``activate``, or a
login it refused with "User is not activated", which Postiz says only after the
password matched.
"""

from __future__ import annotations

import time

from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_http import (
    HttpClient,
    TransportError,
    excerpt,
)

# Plain-text 400 bodies of the Postiz auth controller.
LOGIN_REFUSED = "Invalid user name or password"
NOT_ACTIVATED = "User is not activated"
EMAIL_EXISTS = "Email already exists"
REGISTRATION_DISABLED = "Registration is disabled"
PLUS_NOT_ALLOWED = "Email with plus sign is not allowed"

# Postiz's register DTO limits.
PASSWORD_LENGTH = (3, 64)
COMPANY_LENGTH = (3, 128)

# The proxy in front of the backend answers these while the backend starts.
STARTING_STATUSES = (502, 503, 504)
# Network failures that mean "not listening yet" rather than "wrong address".
STARTING_TRANSPORT_KINDS = ("refused", "reset", "timeout")
# Seconds between readiness probes.
RETRY_INTERVAL = 2.0

KEY_ROLES = ("SUPERADMIN", "ADMIN")

ACTIVATION_MESSAGE = (
    "Postiz requires the account %s to be activated by e-mail (an e-mail provider is configured): "
    "open the activation link sent to that address, then run this again (the postiz_stack role activates "
    "the account it registers itself)."
)


class PostizApiError(Exception):
    """A problem the user has to fix; the message says what and how, never a secret."""


class ActivationRequired(PostizApiError):
    """Postiz accepted the e-mail and password but the account waits for its activation link."""

    def __init__(self, email, registered):
        super().__init__(ACTIVATION_MESSAGE % email)
        self.registered = registered


ACTIVATION_MODES = ("fail", "report")


class PostizNotReady(PostizApiError):
    """The app did not answer (refused, reset, timed out, or a proxy 502/503/504) in time."""

    def __init__(self, message, last_answer):
        super().__init__(message)
        self.last_answer = last_answer


class PostizServerError(PostizApiError):
    """Postiz answered with an HTTP 5xx: it runs but fails, e.g. while its database is down."""


class AdminResult:
    """Outcome of :func:`ensure_admin`. ``api_key`` is None when it could not be read."""

    def __init__(
        self,
        changed,
        created,
        email,
        api_key=None,
        org_id=None,
        role=None,
        unreachable=None,
        unchecked=None,
        activation_required=False,
    ):
        self.changed = changed
        # The account exists (maybe registered just now) but is inactive; no key was read.
        self.activation_required = activation_required
        self.created = created
        self.email = email
        # Check mode only: why Postiz could not be asked (it is probably not deployed yet).
        self.unreachable = unreachable
        # Check mode only: why the account could not be checked (Postiz runs but fails).
        self.unchecked = unchecked
        self.api_key = api_key
        self.org_id = org_id
        self.role = role


def validate_credentials(email, password, company):
    """Fail early, and with the field name, on values Postiz would refuse anyway."""
    if not email or "@" not in email:
        raise PostizApiError(f"email must be an e-mail address, got {email!r}")
    low, high = PASSWORD_LENGTH
    if not low <= len(password) <= high:
        raise PostizApiError(
            f"password must be {low} to {high} characters long (Postiz refuses others); it has {len(password)}"
        )
    low, high = COMPANY_LENGTH
    if not low <= len(company) <= high:
        raise PostizApiError(
            f"company must be {low} to {high} characters long (Postiz refuses others); it has {len(company)}"
        )


def session_token(response):
    """The JWT of a login/register answer: ``auth`` header (NOT_SECURED) or ``auth`` cookie."""
    token = (response.header("auth") or "").strip()
    if token:
        return token
    for cookie in response.header_values("Set-Cookie"):
        name, _sep, rest = cookie.partition("=")
        value = rest.split(";", 1)[0].strip()
        # An empty value is Postiz clearing the cookie (logout), not a session.
        if name.strip() == "auth" and value:
            return value
    return None


class PostizApi:
    """The handful of dashboard routes the bootstrap needs, relative to the app's base URL."""

    def __init__(self, url, http=None, sleep=time.sleep, clock=time.monotonic):
        self.base_url = url.rstrip("/")
        self.http = http or HttpClient()
        self._sleep = sleep
        self._clock = clock

    def api_url(self, path):
        return f"{self.base_url}/api{path}"

    def _send(self, method, path, body=None, token=None):
        headers = {"Accept": "application/json"}
        if token:
            headers["auth"] = token
        try:
            return self.http.send(method, self.api_url(path), body=body, headers=headers)
        except TransportError as exc:
            raise PostizApiError(f"{method} {self.api_url(path)} failed: {exc.reason}") from exc

    def _unexpected(self, what, response):
        text = excerpt(response.text(), self.http.secrets)
        if 300 <= response.status < 400:
            return PostizApiError(
                "{}: {} redirected (HTTP {}) to {}; set url to the address Postiz is served on".format(
                    what, self.base_url, response.status, self.http.redact(response.header("Location", "?"))
                )
            )
        if response.status == 404:
            return PostizApiError(
                f"{what}: {self.base_url} answered HTTP 404, so it is not the Postiz app; url must be the base URL that serves both "
                "the frontend and /api (for example http://127.0.0.1:4007), without /api"
            )
        error = PostizServerError if response.status >= 500 else PostizApiError
        return error(f"{what}: unexpected HTTP {response.status} from Postiz: {text or '(empty body)'}")

    def _json_object(self, what, response):
        try:
            data = response.json()
        except ValueError:
            raise PostizApiError(
                "{}: {} did not answer JSON ({}), so it is not the Postiz API; check url".format(
                    what, self.base_url, response.content_type or "no content type"
                )
            ) from None
        if not isinstance(data, dict):
            raise PostizApiError(f"{what}: expected a JSON object from Postiz, got {type(data).__name__}")
        return data

    def wait_ready(self, wait_timeout):
        """Probe ``/api/auth/can-register`` until the backend answers; return its ``register`` flag."""
        deadline = self._clock() + max(wait_timeout, 0)
        while True:
            try:
                response = self.http.send(
                    "GET", self.api_url("/auth/can-register"), headers={"Accept": "application/json"}
                )
            except TransportError as exc:
                if exc.kind not in STARTING_TRANSPORT_KINDS:
                    raise PostizApiError(f"cannot reach Postiz at {self.base_url}: {exc.reason}") from exc
                last = exc.reason
            else:
                if response.status not in STARTING_STATUSES:
                    if response.status != 200:
                        raise self._unexpected("checking whether Postiz is up", response)
                    return bool(self._json_object("GET /api/auth/can-register", response).get("register"))
                response.close()
                last = f"HTTP {response.status} from the proxy; the backend is not up"
            if self._clock() >= deadline:
                raise PostizNotReady(
                    f"Postiz at {self.base_url} did not become ready within {wait_timeout} s; last answer: {last}. The app may still be starting "
                    "(its first start runs database migrations) or failing: read the app container logs, then raise "
                    "wait_timeout if it only needs longer",
                    last,
                )
            self._sleep(RETRY_INTERVAL)

    def login(self, email, password):
        """The session token, or None when Postiz refuses the e-mail/password pair."""
        response = self._send(
            "POST", "/auth/login", {"email": email, "password": password, "provider": "LOCAL"}
        )
        if 200 <= response.status < 300:
            return self._token_of("login", response)
        text = response.text().strip()
        if response.status == 400 and text == LOGIN_REFUSED:
            return None
        if response.status == 400 and text == NOT_ACTIVATED:
            raise ActivationRequired(email, registered=False)
        raise self._rejected(f"logging in as {email}", response, text)

    def register(self, email, password, company):
        """The session token of the new account, or None when the e-mail is already registered."""
        body = {"email": email, "password": password, "company": company, "provider": "LOCAL"}
        response = self._send("POST", "/auth/register", body)
        if 200 <= response.status < 300:
            data = self._json_object(f"registering {email}", response)
            if data.get("activate") or response.header("activate") == "true":
                raise ActivationRequired(email, registered=True)
            return self._token_of("registration", response)
        text = response.text().strip()
        if response.status == 400 and text == EMAIL_EXISTS:
            return None
        if response.status == 400 and text == REGISTRATION_DISABLED:
            raise PostizApiError(
                f"Postiz refused to register {email}: registration is disabled (DISABLE_REGISTRATION=true and an "
                "organization exists). Use the e-mail and password of an existing owner or admin"
            )
        if response.status == 400 and text == PLUS_NOT_ALLOWED:
            raise PostizApiError(
                f'Postiz refused to register {email}: DISALLOW_PLUS is set, so e-mail addresses with "+" '
                "are refused; use another address"
            )
        raise self._rejected(f"registering {email}", response, text)

    def user_self(self, token):
        """``GET /api/user/self`` as a dict."""
        response = self._send("GET", "/user/self", token=token)
        if response.status == 401:
            raise PostizApiError(
                "Postiz refused the session it had just issued (HTTP 401 on /api/user/self); "
                "JWT_SECRET probably differs between app processes, or the app restarted with "
                "a new one: check that JWT_SECRET is set once and kept"
            )
        if response.status != 200:
            raise self._unexpected("reading the user", response)
        return self._json_object("GET /api/user/self", response)

    def _token_of(self, what, response):
        token = session_token(response)
        if not token:
            raise PostizApiError(
                f"Postiz accepted the {what} but sent no session (no auth cookie or header); "
                "a proxy in front of it may drop Set-Cookie"
            )
        # From now on any text built from Postiz answers has it removed.
        self.http.secrets.append(token)
        return token

    def _rejected(self, what, response, text):
        if response.status == 400 and response.content_type == "application/json":
            # Nest validation error: {"message": [...], "error": "Bad Request"}.
            try:
                messages = response.json().get("message")
            except (ValueError, AttributeError):
                messages = None
            if messages:
                if not isinstance(messages, list):
                    messages = [messages]
                return PostizApiError(
                    "{}: Postiz refused the request: {}".format(
                        what, excerpt("; ".join(str(m) for m in messages), self.http.secrets)
                    )
                )
        if response.status == 400:
            return PostizApiError(
                "{}: Postiz refused it: {}".format(what, excerpt(text, self.http.secrets) or "(empty body)")
            )
        return self._unexpected(what, response)


def ensure_admin(api, email, password, company, check_mode=False, wait_timeout=300, activation="fail"):
    """Log in as ``email``, registering it first when it has no account; read the org API key.

    ``activation="report"`` returns an inactive account as ``activation_required`` (no key)
    instead of failing; see the module docstring.
    """
    validate_credentials(email, password, company)
    if activation not in ACTIVATION_MODES:
        raise PostizApiError(f"activation must be one of {', '.join(ACTIVATION_MODES)}, got {activation!r}")
    try:
        return _ensure_admin(api, email, password, company, check_mode, wait_timeout)
    except ActivationRequired as exc:
        if activation != "report":
            raise
        return AdminResult(
            changed=exc.registered, created=exc.registered, email=email.lower(), activation_required=True
        )
    except PostizServerError as exc:
        if not check_mode:
            raise
        # A dry run on a damaged stack (a database stopped, say): the real run would repair
        # the stack before it gets here, so this is a prediction it cannot make, not a failure.
        return AdminResult(
            changed=False,
            created=False,
            email=email.lower(),
            unchecked=f"{exc}; the account and its API key are not checked in this dry run "
            "(a real run repairs the stack first, then checks them)",
        )


def _ensure_admin(api, email, password, company, check_mode, wait_timeout):
    if check_mode:
        # A dry run of a first deploy has started nothing, so waiting would only
        # delay the failure: ask once, and predict a registration if nothing answers.
        try:
            can_register = api.wait_ready(0)
        except PostizNotReady as exc:
            return AdminResult(
                changed=True,
                created=True,
                email=email.lower(),
                unreachable=f"Postiz at {api.base_url} did not answer ({exc.last_answer})",
            )
    else:
        can_register = api.wait_ready(wait_timeout)

    created = False
    token = api.login(email, password)
    if token is None:
        if not can_register:
            raise PostizApiError(
                f"Postiz refused the login of {email} and registration is closed (DISABLE_REGISTRATION=true and an "
                "organization exists): the password is wrong or no account has this e-mail"
            )
        if check_mode:
            # Registering is the change; without it nothing more can be read.
            return AdminResult(changed=True, created=True, email=email.lower())
        token = api.register(email, password, company)
        if token is None:
            # The account exists (created by an earlier, interrupted run or by hand):
            # log in once more in case it was created just now, else the password is wrong.
            token = api.login(email, password)
            if token is None:
                raise PostizApiError(
                    f"Postiz has an account for {email} but refused its password: set password to the one this account "
                    "was created with, or change the account password in Postiz"
                )
        else:
            created = True

    info = api.user_self(token)
    api_key = info.get("publicApi") or ""
    role = info.get("role")
    if not api_key and role in KEY_ROLES:
        # Postiz fills a missing key on a dashboard request; the next read has it.
        info = api.user_self(token)
        api_key = info.get("publicApi") or ""
    if not api_key:
        raise PostizApiError(
            "{} has the role {} in its organization; Postiz shows the API key only to {}. Use the account that "
            "created the organization".format(email, role or "unknown", " or ".join(KEY_ROLES))
        )
    api.http.secrets.append(api_key)
    return AdminResult(
        changed=created,
        created=created,
        email=info.get("email") or email.lower(),
        api_key=api_key,
        org_id=info.get("orgId"),
        role=role,
    )
