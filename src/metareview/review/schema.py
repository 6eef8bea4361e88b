"""The JSON Schema of ``review.toml``, generated from the models.

``python -m metareview.review.schema > docs/review.schema.json`` writes it; a test keeps
the file current.  Editors that understand JSON Schema (e.g. with the Even Better TOML
extension) can use it to complete and check ``review.toml``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from metareview.review.model import ReviewMeta

__all__ = ["schema", "schema_json"]


def schema() -> dict[str, Any]:
    """The JSON Schema of ``review.toml`` as a dict (keys as written in the file)."""
    out = ReviewMeta.model_json_schema(by_alias=True)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out


def schema_json() -> str:
    """The JSON Schema as pretty JSON with sorted keys and a final newline."""
    return json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    """Print the schema (``python -m metareview.review.schema``)."""
    sys.stdout.write(schema_json())


if __name__ == "__main__":
    main()
