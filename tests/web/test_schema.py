"""schemathesis against /api/v1/openapi.json on SQLite and PostgreSQL: no 5xx, and every
response conforms to the schema (status codes, content types, bodies, headers)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import positive_data_acceptance

from billwatch.web.app import create_app
from billwatch.web.security import create_api_key
from tests.web.conftest import SECRET


@pytest.fixture
def api_schema(shared_db):
    factory, _ = shared_db
    with factory.begin() as s:
        _, key = create_api_key(s, "schemathesis", rate_per_minute=100_000)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(factory, SECRET))
    schema.config.headers = {"X-API-Key": key}  # type: ignore[misc]
    return schema


def test_api_conforms_to_its_schema(api_schema):
    # Each operation in turn (schemathesis' pytest plugin does not run under this pytest).
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 7
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def check(case) -> None:
            # A schema-valid `q` may still be unreadable to the search syntax ("\x18!", an
            # unclosed phrase): the API answers 400 with the reason, which is documented, so
            # the "valid data is accepted" check cannot hold; every other check runs.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
