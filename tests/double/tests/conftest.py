"""Make ``postiz_double`` importable when pytest runs from the repository root."""

import sys
from pathlib import Path

DOUBLE_ROOT = Path(__file__).resolve().parents[1]
if str(DOUBLE_ROOT) not in sys.path:
    sys.path.insert(0, str(DOUBLE_ROOT))
