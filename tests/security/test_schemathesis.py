"""Property-based run of the whole OpenAPI schema (schemathesis) against the ASGI app: no input may produce a
server error, and every response must match the schema. Fixed seed (derandomized) and a budget that fits CI.

The schema declares no OpenAPI links, so there is no stateful phase; every operation is driven on its own, as
an administrator (who may reach every operation) over fresh stores with a few objects in them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from tests.factories import make_mention
from tests.security.conftest import ADMIN, ADMIN_KEY, BRAND_A, CONFIG

#: Examples per operation: about 1,300 calls over the whole schema, a minute or two on a CI machine. A longer
#: hunt: YUQING_SCHEMATHESIS_EXAMPLES=500 (and YUQING_SCHEMATHESIS_RANDOM=1 for new inputs on each run).
EXAMPLES = int(os.environ.get("YUQING_SCHEMATHESIS_EXAMPLES", "25"))
RANDOM = os.environ.get("YUQING_SCHEMATHESIS_RANDOM") == "1"


@pytest.fixture
def api_schema(tmp_path: Path) -> Iterator[schemathesis.BaseSchema]:
    settings_ = Settings(
        data_dir=tmp_path,
        config=tmp_path / "c.yaml",
        database_url=f"sqlite:///{(tmp_path / 'db.sqlite3').as_posix()}",
        mention_store_url=f"sqlite:///{(tmp_path / 'm.sqlite3').as_posix()}",
        api_keys=[ADMIN_KEY],
    )
    resources = Resources.open(settings_, parse_config(CONFIG))
    resources.mentions.upsert([make_mention("鲜达外卖配送慢 13812345678", brands=[BRAND_A])])
    app = create_app(resources)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    resources.close()


SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=not RANDOM,  # the fixed seed: the same inputs on every run
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    report_multiple_bugs=False,
)


@pytest.mark.slow
def test_no_input_breaks_the_api(api_schema: schemathesis.BaseSchema) -> None:
    """Every operation, one after the other; the failures of all of them are reported together."""
    failures: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"the schema has an operation schemathesis cannot read: {result.err()}")
            continue
        operation = result.ok()
        operations += 1

        @SETTINGS
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(headers=ADMIN, checks=[not_a_server_error, response_schema_conformance])

        try:
            run()
        except Exception as exc:  # a failed check: keep going, report them all
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations >= 30
    assert not failures, "\n\n".join(failures)
