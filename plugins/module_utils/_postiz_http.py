# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the Postiz API clients add to ``ansible.module_utils.urls``.

``Request`` does the transport: TLS verification (``validate_certs``, ``ca_path``),
proxies from the environment, timeouts, and redirects left unfollowed
(``follow_redirects='none'``: a POST that is redirected would silently turn into a
GET, and a redirect usually means the configured URL is wrong, which the caller
reports instead). This module adds only what the clients need on top:

* HTTP error statuses are answers, not exceptions: ``Request`` raises
  ``HTTPError`` for them, which :meth:`HttpClient.send` hands back as an
  :class:`HttpResponse` like a 200;
* network problems become :class:`TransportError` with a ``kind`` the caller
  can act on (``refused`` and ``reset`` are retried while the app starts);
* URLs and texts pass through :func:`redact` before they reach any message,
  so secrets that travel in a URL path never leak;
* JSON bodies and line-by-line reading of streams.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import json
import socket
import ssl
from http import cookiejar
from urllib import error as urllib_error

# Enough of a body to explain an error without flooding the output.
BODY_EXCERPT_CHARS = 300

# errno values that mean "nothing is listening yet" or "the peer went away".
_REFUSED_ERRNOS = (errno.ECONNREFUSED,)
_RESET_ERRNOS = (errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE)

REDACTED = "<redacted>"

USER_AGENT = "selfhosted.postiz"


class TransportError(Exception):
    """The request got no HTTP answer.

    ``kind`` is one of ``refused``, ``reset``, ``timeout``, ``tls``, ``dns`` or
    ``other``; ``reason`` is a short, already redacted description.
    """

    def __init__(self, kind, reason):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class HttpResponse:
    """An HTTP answer. ``stream`` is the open body; read it with :meth:`read` or :meth:`lines`."""

    def __init__(self, status, headers, stream):
        self.status = status
        self.headers = headers
        self._stream = stream
        self._body = None

    def header(self, name, default=None):
        value = self.headers.get(name) if self.headers is not None else None
        return default if value is None else value

    def header_values(self, name):
        if self.headers is None:
            return []
        return self.headers.get_all(name) or []

    @property
    def content_type(self):
        """The media type without parameters, lower-cased (``''`` when absent)."""
        return self.header("Content-Type", "").split(";", 1)[0].strip().lower()

    def read(self):
        """The whole body as bytes (read once, then cached); TransportError if it breaks off."""
        if self._body is None:
            try:
                self._body = self._stream.read() if self._stream is not None else b""
            except (OSError, http.client.HTTPException) as exc:
                raise _body_error(exc) from exc
            finally:
                self.close()
        return self._body

    def text(self):
        return self.read().decode("utf-8", "replace")

    def json(self):
        """The body parsed as JSON; ValueError when it is not JSON."""
        return json.loads(self.text())

    def lines(self):
        """Iterate over the body line by line (decoded, without line endings), for streams."""
        if self._stream is None:
            return
        while True:
            try:
                raw = self._stream.readline()
            except (OSError, http.client.HTTPException) as exc:
                raise _body_error(exc) from exc
            if not raw:
                return
            yield raw.decode("utf-8", "replace").rstrip("\r\n")

    def close(self):
        if self._stream is not None:
            # Closing is best effort; the answer has been read already.
            with contextlib.suppress(Exception):
                self._stream.close()


def _body_error(exc):
    """A TransportError for a body that broke off after the headers arrived."""
    if isinstance(exc, socket.timeout):
        return TransportError("timeout", "the answer stopped arriving (timed out while reading it)")
    return TransportError("reset", f"the answer broke off: {type(exc).__name__}")


def redact(text, secrets):
    """Replace every non-empty secret in ``text`` with ``<redacted>``."""
    if text is None:
        return text
    text = str(text)
    # Longest first, so a secret that contains another is replaced whole.
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def excerpt(text, secrets=()):
    """A short, redacted, single-line excerpt of a response body for messages."""
    text = redact(" ".join((text or "").split()), secrets)
    if len(text) > BODY_EXCERPT_CHARS:
        text = text[:BODY_EXCERPT_CHARS] + "..."
    return text


class HttpClient:
    """Sends requests through one ``Request``: fixed TLS settings, no redirects, a timeout per request."""

    def __init__(self, timeout=30, validate_certs=True, ca_path=None, secrets=()):
        # Imported here: a module that never sends a request does not compile urls at each run.
        from ansible.module_utils.urls import Request, make_context

        self.timeout = timeout
        # Values that must never appear in an error text built here.
        self.secrets = list(secrets)
        try:
            # Built once, so that a CA file that cannot be read fails before any request.
            # Request(ca_path=...) would trust that file alone; ca_path here adds a CA to
            # the system's trust, for an internal CA beside public certificates.
            context = make_context(validate_certs=validate_certs)
            if validate_certs and ca_path:
                context.load_verify_locations(cafile=ca_path)
        except (OSError, ssl.SSLError) as exc:
            raise TransportError("tls", f"cannot load the CA bundle {ca_path}: {exc}") from exc
        # No cookies are kept and no ~/.netrc is read: the session travels in the
        # auth header the caller sets, and nothing is sent that the caller did not give.
        no_cookies = cookiejar.CookieJar(cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._request = Request(
            timeout=timeout,
            context=context,
            follow_redirects="none",
            http_agent=USER_AGENT,
            use_netrc=False,
            cookies=no_cookies,
        )

    def redact(self, text):
        return redact(text, self.secrets)

    def send(self, method, url, body=None, headers=None, timeout=None):
        """Send one request and return :class:`HttpResponse` (any status); raise TransportError."""
        data = None
        all_headers = {}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        try:
            answer = self._request.open(
                method,
                url,
                data=data,
                headers=all_headers,
                timeout=self.timeout if timeout is None else timeout,
            )
        except urllib_error.HTTPError as exc:
            # 4xx/5xx, and 3xx because redirects are not followed: still an answer.
            return HttpResponse(exc.code, exc.headers, exc)
        except urllib_error.URLError as exc:
            # `from None`: the reason is redacted here, the original may show the URL and its secret.
            raise self._transport_error(exc.reason) from None
        except (socket.timeout, ssl.SSLError, OSError, http.client.HTTPException) as exc:
            # Raised directly (not wrapped in URLError) when it happens while reading headers.
            raise self._transport_error(exc) from None
        return HttpResponse(answer.status, answer.headers, answer)

    def _transport_error(self, reason):
        text = self.redact(reason)
        if isinstance(reason, socket.timeout) or "timed out" in text:
            return TransportError("timeout", f"no answer within {self.timeout} s")
        if isinstance(reason, (ssl.SSLError, ssl.CertificateError)):
            return TransportError("tls", f"TLS failed: {text}")
        if isinstance(reason, socket.gaierror):
            return TransportError("dns", f"the host name does not resolve: {text}")
        if isinstance(reason, ConnectionRefusedError) or getattr(reason, "errno", None) in _REFUSED_ERRNOS:
            return TransportError("refused", "connection refused")
        if (
            isinstance(reason, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError))
            or getattr(reason, "errno", None) in _RESET_ERRNOS
            or "RemoteDisconnected" in type(reason).__name__
        ):
            return TransportError("reset", "the connection was closed before an answer arrived")
        return TransportError("other", text)
