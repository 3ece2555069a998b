"""Write docs/plan-template.csv and .xlsx from docs/plan-template.json.

.venv/bin/python docs/make_templates.py
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "improvement_tracker.settings")
os.environ.setdefault("SECRET_KEY", "templates-only")

import django  # noqa: E402

django.setup()

from plans import formats  # noqa: E402

data = json.loads((ROOT / "docs" / "plan-template.json").read_text(encoding="utf-8"))
(ROOT / "docs" / "plan-template.csv").write_bytes(formats.to_csv(data))
(ROOT / "docs" / "plan-template.xlsx").write_bytes(formats.to_xlsx(data))
print("Wrote docs/plan-template.csv and docs/plan-template.xlsx")
