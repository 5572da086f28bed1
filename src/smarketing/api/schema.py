"""Print the API's OpenAPI schema (committed as docs/openapi.json and compared in tests)."""

from __future__ import annotations

import json


def main() -> None:
    import django

    django.setup()
    from smarketing.api.app import api

    print(json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False))


if __name__ == "__main__":
    main()
