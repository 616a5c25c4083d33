# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Postiz contract double: a test-only stand-in for the Postiz app image.

It reproduces the externally visible contract of ``ghcr.io/gitroomhq/postiz-app``
(port 5000 behind the image's nginx) as described in
``/work/shared/postiz/FACTS.md``. It is not Postiz and must never be deployed.
"""

__version__ = "0.1.0"
