"""Where the tests find Lusha's OpenAPI description: the copy kept in the repository
(docs/lusha-openapi/, refreshed with `make openapi-refresh`), or the folder LUSHA_OPENAPI_DIR
names, so a fresh clone tests against the contract with nothing beside it."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPENAPI_DIR = Path(os.environ.get("LUSHA_OPENAPI_DIR") or ROOT / "docs" / "lusha-openapi")
V3_SPEC_PATH = OPENAPI_DIR / "lusha-v3-openapi.yml"
WEBHOOKS_SPEC_PATH = OPENAPI_DIR / "lusha-webhooks-asyncapi.yml"
