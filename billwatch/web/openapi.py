"""The OpenAPI 3 schema of /api/v1, written out so that it says exactly what the API does."""

from __future__ import annotations

from typing import Any

from billwatch.db.faceted import STANCES
from billwatch.taxonomy import TAGS

STR = {"type": "string"}
NSTR = {"type": "string", "nullable": True}


def _param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or STR,
    }


PAGING = [
    _param(
        "cursor",
        "The next_cursor of the previous page.",
        {"type": "string", "pattern": "^[0-9]{1,9}$"},
    ),
    _param("per_page", "Results per page.", {"type": "integer", "minimum": 1, "maximum": 100}),
]
STATE = {"type": "string", "pattern": "^[A-Za-z]{2}$"}
BILL_FILTERS = [
    _param("q", "Full-text query over titles and texts.", {"type": "string", "maxLength": 200}),
    _param("state", "Two-letter state code; repeat for several.", STATE),
    _param("session", "Session identifier, e.g. 2025-2026.", {"type": "string", "maxLength": 200}),
    _param(
        "tag",
        "A taxonomy tag; repeat for several (all must hold).",
        {"type": "string", "enum": list(TAGS)},
    ),
    _param("stance", "The bill's stance.", {"type": "string", "enum": list(STANCES)}),
    _param("stage", "The bill's stage, e.g. in committee.", {"type": "string", "maxLength": 200}),
    _param("sponsor", "A sponsor's name.", {"type": "string", "maxLength": 200}),
    _param("committee", "A committee that heard it.", {"type": "string", "maxLength": 200}),
    _param("since", "Last action on or after (YYYY-MM-DD).", {"type": "string", "format": "date"}),
    _param("until", "Last action on or before.", {"type": "string", "format": "date"}),
    _param("hearing", "1: only bills with an upcoming hearing.", {"type": "string", "enum": ["1"]}),
]
PAGE = {
    "type": "object",
    "required": ["results", "pagination"],
    "properties": {
        "results": {"type": "array", "items": {"type": "object"}},
        "pagination": {
            "type": "object",
            "required": ["per_page", "next_cursor"],
            "properties": {"per_page": {"type": "integer"}, "next_cursor": NSTR},
        },
    },
}
ERROR = {"type": "object", "required": ["detail"], "properties": {"detail": STR}}


def _get(summary: str, params: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
    err = {"content": {"application/json": {"schema": ERROR}}}
    return {
        "get": {
            "summary": summary,
            "parameters": params,
            "security": [{"apiKey": []}, {"apiKeyQuery": []}],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": body}}},
                "400": {"description": "A bad parameter", **err},
                "401": {"description": "No or unknown key", **err},
                "404": {"description": "Not found", **err},
                "429": {"description": "Over the key's rate limit", **err},
            },
        }
    }


def _id(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    }


BILL = {
    "type": "object",
    "required": [
        "id",
        "identifier",
        "title",
        "session",
        "jurisdiction",
        "versions",
        "actions",
        "sponsorships",
        "related_events",
        "tags",
        "sources",
    ],
    "properties": {
        "id": STR,
        "identifier": STR,
        "title": STR,
        "session": STR,
        "jurisdiction": {"type": "object"},
        "classification": {"type": "array", "items": STR},
        "subject": {"type": "array", "items": STR},
        "status": NSTR,
        "stage": NSTR,
        "stance": NSTR,
        "latest_action_date": NSTR,
        "versions": {"type": "array", "items": {"type": "object"}},
        "actions": {"type": "array", "items": {"type": "object"}},
        "sponsorships": {"type": "array", "items": {"type": "object"}},
        "related_events": {"type": "array", "items": {"type": "object"}},
        "tags": {"type": "array", "items": {"type": "object"}},
        "sources": {"type": "array", "items": {"type": "object"}},
    },
}


def schema(server: str = "") -> dict[str, Any]:
    """The OpenAPI document, with `server` as the base URL."""
    return _with_path_ids(_document(server))


def _document(server: str) -> dict[str, Any]:
    jurisdiction = [_param("jurisdiction", "Two-letter code, e.g. CA.", STATE)]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "billwatch read API",
            "version": "1",
            "description": "Bills, people, committees, events and tags. Field names follow "
            "Open States v3 where the concept is the same. Send an API key as X-API-Key "
            "(or ?apikey=); each key has its own rate limit a minute.",
        },
        "servers": [{"url": f"{server}/api/v1"}],
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "apikey"},
            }
        },
        "paths": {
            "/bills": _get("Bills matching the search filters", BILL_FILTERS + PAGING, PAGE),
            "/bills/{bill_id}": {
                **_get("One bill with versions, actions, sponsors, events, tags", [], BILL),
            },
            "/people": _get(
                "Legislators",
                jurisdiction
                + [_param("name", "Part of a name.", {"type": "string", "maxLength": 200})]
                + PAGING,
                PAGE,
            ),
            "/people/{person_id}": _get("One legislator", [], {"type": "object"}),
            "/committees": _get("Committees and members", jurisdiction + PAGING, PAGE),
            "/events": _get(
                "Hearings",
                jurisdiction
                + [_param("after", "Starting at or after.", {"type": "string", "format": "date"})]
                + PAGING,
                PAGE,
            ),
            "/tags": _get(
                "Tags with their evidence",
                jurisdiction
                + [_param("tag", "A taxonomy tag.", {"type": "string", "enum": list(TAGS)})]
                + PAGING,
                PAGE,
            ),
        },
    }


def _with_path_ids(doc: dict[str, Any]) -> dict[str, Any]:
    for path, item in doc["paths"].items():
        for name in ("bill_id", "person_id"):
            if "{" + name + "}" in path:
                item["get"]["parameters"] = [_id(name), *item["get"]["parameters"]]
    return doc
