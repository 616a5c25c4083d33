# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-in for the Next.js frontend on :4200 (everything nginx does not send to /api/ or /uploads/).

Only the redirects of Postiz's request proxy that matter to deployment checks are
reproduced (FACTS §2.3 IS_GENERAL, §2.6 DISABLE_REGISTRATION, §7 probes).
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .config import Settings
from .cookies import AUTH_COOKIE

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body data-postiz-double="true">
<h1>{title}</h1>
{body}
</body></html>
"""

_LOGIN_FORM = """<form id="login" method="post" action="{backend}/auth/login">
<label>Email <input type="email" name="email" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<input type="hidden" name="provider" value="LOCAL">
<button type="submit">Sign in</button>
</form>"""

_REGISTER_FORM = """<form id="register" method="post" action="{backend}/auth/register">
<label>Email <input type="email" name="email"></label>
<label>Password <input type="password" name="password"></label>
<label>Company <input type="text" name="company"></label>
<input type="hidden" name="provider" value="LOCAL">
<button type="submit">Create account</button>
</form>"""


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), body=body))


def _backend_base(settings: Settings) -> str:
    return html.escape(settings.backend_url or "/api", quote=True)


def handle(request: Request, settings: Settings) -> Response:
    path = request.url.path.rstrip("/") or "/"
    logged_in = bool(request.cookies.get(AUTH_COOKIE))

    if path == "/auth/register" and settings.disable_registration:
        return RedirectResponse("/auth/login", status_code=307)
    if path in ("/auth", "/auth/login"):
        return _page("Postiz - Login", _LOGIN_FORM.format(backend=_backend_base(settings)))
    if path == "/auth/register":
        return _page("Postiz - Register", _REGISTER_FORM.format(backend=_backend_base(settings)))
    if path.startswith("/auth/"):
        return _page("Postiz", "")

    if not logged_in:
        return RedirectResponse("/auth", status_code=307)
    if path == "/":
        return RedirectResponse("/launches" if settings.is_general else "/analytics", status_code=307)
    return _page("Postiz", f"<p>{html.escape(path)}</p>")
