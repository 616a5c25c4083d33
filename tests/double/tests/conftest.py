# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make ``postiz_double`` importable when pytest runs from the repository root."""

import sys
from pathlib import Path

DOUBLE_ROOT = Path(__file__).resolve().parents[1]
if str(DOUBLE_ROOT) not in sys.path:
    sys.path.insert(0, str(DOUBLE_ROOT))
