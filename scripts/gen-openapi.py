#!/usr/bin/env python3
"""Writes api/openapi.json, the OpenAPI 3.1 contract of the internal listener, and
Sources/GatewayApp/HTTP/OpenAPIDocument.swift, which embeds the same bytes so the binary serves
them at GET /openapi.json.

The document says what the API promises; the code is made to keep it. Tests check that every
route of the internal router is in the document and nothing in it is missing from the router
(OpenAPITests), and schemathesis fuzzes a running gateway against it on both backends.

Run after changing the API: python3 scripts/gen-openapi.py
"""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def error_response(description, codes):
    return {
        "description": f"{description} (`error.code`: {', '.join(f'`{c}`' for c in codes)})",
        "content": {"application/json": {"schema": ref("Error")}},
    }


def json_response(description, schema):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ACCOUNT_ID = {"$ref": "#/components/parameters/AccountID"}
IDEMPOTENCY_KEY = {"$ref": "#/components/parameters/IdempotencyKey"}

# Answers many routes share, written once under components/responses and referenced.
SHARED_RESPONSES = {
    "Unauthorized": error_response("No or a wrong bearer token", ["unauthorized"]),
    "BadBody": error_response("The body is not one JSON object", ["invalid_json"]),
    "TooLarge": error_response("The body is larger than the route takes", ["body_too_large"]),
    "StoreDown": error_response("The store is unreachable; retry later", ["store_unavailable"]),
    "Internal": error_response("A bug: nothing was changed unless a later read shows it", ["internal"]),
    "BadAccountID": error_response("The account id is not 1–64 of A-Z a-z 0-9 _ -", ["invalid_account_id"]),
    "NoAccount": error_response("No such account", ["account_not_found"]),
    "MissingKey": error_response(
        "The Idempotency-Key header is missing or invalid, or the body is malformed",
        ["missing_idempotency_key", "invalid_idempotency_key", "invalid_json"],
    ),
}


def shared(name):
    return {"$ref": f"#/components/responses/{name}"}


UNAUTHORIZED, BAD_BODY, TOO_LARGE, STORE_DOWN, INTERNAL, BAD_ACCOUNT_ID, NO_ACCOUNT, MISSING_KEY = (
    shared(name) for name in ("Unauthorized", "BadBody", "TooLarge", "StoreDown", "Internal", "BadAccountID", "NoAccount", "MissingKey")
)

MONEY = {
    "type": "object",
    "description": "An amount of one currency, in its minor units (cents for USD and EUR, yen for JPY).",
    "required": ["amount_minor", "currency"],
    "properties": {
        "amount_minor": {"type": "integer", "format": "int64"},
        "currency": ref("Currency"),
    },
    "additionalProperties": False,
}

TIMESTAMP = {"type": "string", "format": "date-time", "description": "RFC 3339, UTC, milliseconds."}

schemas = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "description": "Stable, machine-readable."},
                    "message": {"type": "string", "description": "For people; may change."},
                },
            }
        },
    },
    "Currency": {
        "type": "string",
        "pattern": "^[A-Z]{3}$",
        "description": "ISO 4217, uppercase. Accounts hold one of WALLET_CURRENCIES.",
        "examples": ["USD", "EUR"],
    },
    "Money": MONEY,
    "AccountCreate": {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
            "currency": {"type": "string", "description": "ISO 4217; default USD. Case-insensitive."},
        },
    },
    "Account": {
        "type": "object",
        "required": ["id", "currency", "balance", "created_at"],
        "properties": {
            "id": {"type": "string"},
            "currency": ref("Currency"),
            "balance": ref("Money"),
            "balance_cents": {"type": "integer", "format": "int64", "deprecated": True,
                              "description": "USD accounts only: balance.amount_minor."},
            "created_at": TIMESTAMP,
        },
        "additionalProperties": False,
    },
    "EntryKind": {
        "type": "string",
        "enum": ["card_topup", "crypto_topup", "refund", "dispute", "dispute_reversal", "refund_reversal", "usage", "adjustment"],
    },
    "PostRequest": {
        "type": "object",
        "required": ["kind"],
        "description": "One of amount_minor or amount_cents (its older name) is required; both only if equal.",
        "anyOf": [{"required": ["amount_minor"]}, {"required": ["amount_cents"]}],
        "properties": {
            "amount_minor": {"type": "integer", "format": "int64", "minimum": 1, "example": 1500},
            "amount_cents": {"type": "integer", "format": "int64", "minimum": 1, "deprecated": True},
            "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$", "description": "Must be the account's; default the account's."},
            "kind": ref("EntryKind"),
            "reference": {"type": "string", "maxLength": 500},
            "description": {"type": "string", "maxLength": 500},
            "details": {"type": "object", "description": "Kept with the entry, canonicalised."},
            "allow_negative": {"type": "boolean", "description": "Debits only: may take the balance below zero."},
        },
    },
    "LedgerEntry": {
        "type": "object",
        "required": ["id", "account_id", "idempotency_key", "kind", "amount_minor", "balance_after_minor", "currency",
                     "reference", "description", "details", "created_at"],
        "properties": {
            "id": {"type": "string", "pattern": "^ent_[0-9]+$"},
            "account_id": {"type": "string"},
            "idempotency_key": {"type": "string"},
            "kind": ref("EntryKind"),
            "amount_minor": {"type": "integer", "format": "int64", "description": "Signed: negative for debits."},
            "balance_after_minor": {"type": "integer", "format": "int64"},
            "currency": ref("Currency"),
            "amount_cents": {"type": "integer", "format": "int64", "deprecated": True, "description": "USD only."},
            "balance_after_cents": {"type": "integer", "format": "int64", "deprecated": True, "description": "USD only."},
            "reference": {"type": "string"},
            "description": {"type": "string"},
            "details": {"type": ["object", "null"]},
            "created_at": TIMESTAMP,
        },
        "additionalProperties": False,
    },
    "LedgerEntryList": {
        "type": "object",
        "required": ["object", "data", "has_more"],
        "properties": {
            "object": {"const": "list"},
            "data": {"type": "array", "items": ref("LedgerEntry")},
            "has_more": {"type": "boolean", "description": "Pass the last entry's id as starting_after for the next page."},
        },
    },
    "Chain": {"type": "string", "enum": ["ethereum", "tron"]},
    "DepositAddress": {
        "type": "object",
        "required": ["account_id", "address", "index", "chain", "chain_id", "assets"],
        "properties": {
            "account_id": {"type": "string"},
            "address": {"type": "string", "description": "EIP-55 on Ethereum, Base58Check T… on Tron."},
            "index": {"type": "integer", "minimum": 0},
            "chain": ref("Chain"),
            "chain_id": {"type": "integer", "format": "int64"},
            "assets": {"type": "array", "items": {"type": "string", "enum": ["ETH", "USDT"]}},
            "payment_uris": {
                "type": "object",
                "description": "Ethereum only: EIP-681 URIs per asset, for QR codes.",
                "additionalProperties": {"type": "string"},
            },
        },
        "additionalProperties": False,
    },
    "DepositAddressList": {
        "type": "object",
        "required": ["object", "data"],
        "properties": {"object": {"const": "list"}, "data": {"type": "array", "items": ref("DepositAddress")}},
    },
    "Deposit": {
        "type": "object",
        "required": ["key", "account_id", "asset", "amount_units", "amount", "tx_hash", "log_index", "chain", "chain_id",
                     "address", "block_number", "block_hash", "status", "confirmations_required", "seen_at"],
        "properties": {
            "key": {"type": "string", "description": "The idempotency key of its credit."},
            "account_id": {"type": "string"},
            "asset": {"type": "string", "enum": ["ETH", "USDT"]},
            "amount_units": {"type": "string", "pattern": "^[0-9]+$", "description": "Smallest units (wei, USDT's 10^-6)."},
            "amount": {"type": "string"},
            "tx_hash": {"type": "string"},
            "log_index": {"type": "integer", "format": "int64"},
            "chain": ref("Chain"),
            "chain_id": {"type": "integer", "format": "int64"},
            "address": {"type": "string"},
            "block_number": {"type": "integer", "format": "int64"},
            "block_hash": {"type": "string"},
            "status": {"type": "string", "enum": ["seen", "awaiting_rate", "credited", "orphaned", "parked", "reorged_after_credit"]},
            "confirmations": {"type": "integer", "format": "int64", "description": "head − block + 1, when the head is known."},
            "confirmations_required": {"type": "integer", "format": "int64"},
            "reason": {"type": "string"},
            "seen_at": TIMESTAMP,
            "credit": ref("Money"),
            "exact_value": {"type": "string", "description": "The exact converted value, before rounding down."},
            "usd_cents": {"type": "integer", "format": "int64", "deprecated": True, "description": "USD credits only."},
            "exact_usd": {"type": "string", "deprecated": True, "description": "USD credits only."},
            "rate": {
                "type": "object",
                "properties": {
                    "pair": {"type": "string"}, "field": {"type": "string"}, "price": {"type": "string"},
                    "source": {"type": "string"}, "fetched_at": {"type": "string"},
                },
            },
            "credited_at": TIMESTAMP,
        },
        "additionalProperties": False,
    },
    "DepositList": {
        "type": "object",
        "required": ["object", "data"],
        "properties": {"object": {"const": "list"}, "data": {"type": "array", "items": ref("Deposit")}},
    },
    "CardTopupCreate": {
        "type": "object",
        "required": ["amount_minor", "success_url", "cancel_url"],
        "properties": {
            "amount_minor": {"type": "integer", "format": "int64", "minimum": 1, "example": 2500,
                             "description": "Minor units of the account's currency, within CARD_TOPUP_LIMITS."},
            "success_url": {"type": "string", "format": "uri", "pattern": "^https?://[^/?#]+", "maxLength": 2048,
                            "example": "https://platform.example/billing?topup=success"},
            "cancel_url": {"type": "string", "format": "uri", "pattern": "^https?://[^/?#]+", "maxLength": 2048,
                           "example": "https://platform.example/billing"},
        },
    },
    "CardTopup": {
        "type": "object",
        "required": ["id", "object", "account_id", "url", "expires_at", "amount_minor", "currency", "status", "payment_intent", "created_at"],
        "properties": {
            "id": {"type": "string", "description": "The Checkout Session id (cs_…)."},
            "object": {"const": "card_topup"},
            "account_id": {"type": "string"},
            "url": {"type": ["string", "null"], "description": "Where to send the customer to pay."},
            "expires_at": {"oneOf": [TIMESTAMP, {"type": "null"}]},
            "amount_minor": {"type": "integer", "format": "int64"},
            "currency": ref("Currency"),
            "status": {"type": "string", "enum": ["open", "complete", "expired", "failed"]},
            "payment_intent": {"type": ["string", "null"]},
            "created_at": TIMESTAMP,
        },
        "additionalProperties": False,
    },
    "Health": {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}},
    "Readiness": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": ["ready", "not_ready"]}, "reason": {"type": "string"}},
    },
}

account_path_params = [ACCOUNT_ID]


def with_common(operation, body=False, store=True):
    """Every answer any route can give besides its own: 413 for a body too large, 503 when the
    store is down, 500 for a bug."""
    responses = operation["responses"]
    if body:
        responses.setdefault("413", TOO_LARGE)
    if store:
        responses.setdefault("503", STORE_DOWN)  # a route with a 503 of its own lists store_unavailable there
    responses.setdefault("500", INTERNAL)
    return operation

paths = {
    "/healthz": {
        "get": {
            "operationId": "health",
            "summary": "The process answers. Open: no token.",
            "security": [],
            "responses": {"200": json_response("Alive", ref("Health"))},
        }
    },
    "/readyz": {
        "get": {
            "operationId": "readiness",
            "summary": "The store is reachable and its schema current.",
            "responses": {
                "200": json_response("Ready", ref("Readiness")),
                "401": UNAUTHORIZED,
                "503": json_response("Not ready, with the reason", ref("Readiness")),
            },
        }
    },
    "/metrics": {
        "get": {
            "operationId": "metrics",
            "summary": "Prometheus text exposition (gateway_* metrics).",
            "responses": {
                "200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}},
                "401": UNAUTHORIZED,
            },
        }
    },
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document.",
            "responses": {
                "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}},
                "401": UNAUTHORIZED,
            },
        }
    },
    "/v1/accounts": {
        "post": {
            "operationId": "createAccount",
            "summary": "Create an account in a currency, once. Repeating with the same currency is harmless.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("AccountCreate")}}},
            "responses": {
                "200": json_response("It existed, in this currency", ref("Account")),
                "201": json_response("Created", ref("Account")),
                "400": BAD_BODY,
                "401": UNAUTHORIZED,
                "409": error_response("It exists in another currency", ["currency_conflict"]),
                "422": error_response("Invalid id or currency", ["invalid_account_id", "invalid_currency", "unsupported_currency"]),
            },
        }
    },
    "/v1/accounts/{id}": {
        "get": {
            "operationId": "getAccount",
            "summary": "An account and its balance.",
            "parameters": account_path_params,
            "responses": {
                "200": json_response("The account", ref("Account")),
                "401": UNAUTHORIZED,
                "404": NO_ACCOUNT,
                "422": BAD_ACCOUNT_ID,
            },
        }
    },
}


def post_route(direction):
    return {
        "post": {
            "operationId": f"post{direction.capitalize()}",
            "summary": f"Post a {direction[:-1]} exactly once per Idempotency-Key.",
            "parameters": account_path_params + [IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("PostRequest")}}},
            "responses": {
                "200": json_response("A replay of the same request: the first result", ref("LedgerEntry")),
                "201": json_response("Applied", ref("LedgerEntry")),
                "400": MISSING_KEY,
                "401": UNAUTHORIZED,
                "404": NO_ACCOUNT,
                "409": error_response("The key was used with another request, or the balance is too low",
                                      ["idempotency_conflict", "insufficient_funds"]),
                "422": error_response("An invalid field", ["invalid_account_id", "invalid_amount", "invalid_kind", "invalid_currency",
                                                           "currency_mismatch", "invalid_reference", "invalid_description",
                                                           "invalid_details", "invalid_allow_negative", "amount_overflow"]),
            },
        }
    }


paths["/v1/accounts/{id}/credits"] = post_route("credits")
paths["/v1/accounts/{id}/debits"] = post_route("debits")
paths["/v1/accounts/{id}/transactions"] = {
    "get": {
        "operationId": "listTransactions",
        "summary": "The ledger, newest first, a page at a time.",
        "parameters": account_path_params + [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
            {"name": "starting_after", "in": "query", "description": "The last entry id of the previous page.",
             "schema": {"type": "string", "pattern": "^ent_[0-9]+$"}},
        ],
        "responses": {
            "200": json_response("A page", ref("LedgerEntryList")),
            "400": error_response("A bad limit or cursor", ["invalid_limit", "invalid_cursor"]),
            "401": UNAUTHORIZED,
            "404": NO_ACCOUNT,
            "422": BAD_ACCOUNT_ID,
        },
    }
}
CHAIN_QUERY = {"name": "chain", "in": "query", "description": "Default ethereum.", "schema": ref("Chain")}
CHAIN_ERRORS = {
    "409": error_response("The chain is not configured (no key)", ["chain_not_enabled"]),
    "422": error_response("A bad account id or chain", ["invalid_account_id", "invalid_chain"]),
}
paths["/v1/accounts/{id}/deposit-address"] = {
    "post": {
        "operationId": "assignDepositAddress",
        "summary": "The account's address on a chain, assigned on first request.",
        "parameters": account_path_params + [CHAIN_QUERY],
        "responses": {
            "200": json_response("Assigned before", ref("DepositAddress")),
            "201": json_response("Assigned now", ref("DepositAddress")),
            "401": UNAUTHORIZED,
            "404": NO_ACCOUNT,
            **CHAIN_ERRORS,
        },
    },
    "get": {
        "operationId": "getDepositAddress",
        "summary": "The account's address on a chain, if assigned.",
        "parameters": account_path_params + [CHAIN_QUERY],
        "responses": {
            "200": json_response("The address", ref("DepositAddress")),
            "401": UNAUTHORIZED,
            "404": error_response("No account, or no address yet", ["account_not_found", "no_deposit_address"]),
            **CHAIN_ERRORS,
        },
    },
}
paths["/v1/accounts/{id}/deposit-addresses"] = {
    "get": {
        "operationId": "listDepositAddresses",
        "summary": "Every assigned address of the account, one per chain.",
        "parameters": account_path_params,
        "responses": {
            "200": json_response("The addresses", ref("DepositAddressList")),
            "401": UNAUTHORIZED,
            "404": NO_ACCOUNT,
            "422": BAD_ACCOUNT_ID,
        },
    }
}
paths["/v1/accounts/{id}/deposits"] = {
    "get": {
        "operationId": "listDeposits",
        "summary": "The account's 100 most recent crypto deposits, with confirmations n/N and credits.",
        "parameters": account_path_params,
        "responses": {
            "200": json_response("The deposits", ref("DepositList")),
            "401": UNAUTHORIZED,
            "404": NO_ACCOUNT,
            "422": BAD_ACCOUNT_ID,
        },
    }
}
paths["/v1/accounts/{id}/card-topups"] = {
    "post": {
        "operationId": "createCardTopup",
        "summary": "Start a card top-up: a Stripe Checkout Session in the account's currency.",
        "parameters": account_path_params + [IDEMPOTENCY_KEY],
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref("CardTopupCreate")}}},
        "responses": {
            "200": json_response("A replay: the same session, no call to Stripe", ref("CardTopup")),
            "201": json_response("Created", ref("CardTopup")),
            "400": MISSING_KEY,
            "401": UNAUTHORIZED,
            "404": NO_ACCOUNT,
            "409": error_response("The key was used with another request", ["idempotency_conflict"]),
            "422": error_response("Refused", ["invalid_account_id", "invalid_amount", "invalid_url", "amount_out_of_range",
                                              "currency_not_offered", "stripe_refused"]),
            "503": error_response("Stripe cannot be asked now, or the store is unreachable; retry with the same key",
                                  ["stripe_not_configured", "stripe_key_refused", "stripe_unavailable", "store_unavailable"]),
        },
    }
}

for path, item in paths.items():
    for method, operation in item.items():
        if path == "/healthz":
            continue
        # /readyz answers its own 503 (not ready) and /metrics reads the store leniently.
        with_common(operation, body=method == "post", store=path not in ("/readyz", "/metrics", "/openapi.json"))

document = {
    "openapi": "3.1.0",
    "info": {
        "title": "gateway internal API",
        "version": "1",
        "description": (
            "The wallet, deposit addresses, deposits and card top-ups, on the internal listener "
            "(GATEWAY_INTERNAL_LISTEN). Every route but /healthz needs `Authorization: Bearer <token>` "
            "(GATEWAY_INTERNAL_TOKENS); without it any path answers 401, with it an unknown path or method "
            "answers 404 `not_found`. Amounts are integers of the currency's minor unit. Errors are "
            "always {\"error\":{\"code\",\"message\"}}. Writes that move money take an Idempotency-Key: "
            "the same key with the same body answers the first result (200), with another body 409. "
            "Lists page with `limit` and `starting_after` where they can be long."
        ),
    },
    "servers": [{"url": "http://127.0.0.1:8081"}],
    "security": [{"bearer": []}],
    "paths": paths,
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "parameters": {
            "AccountID": {"name": "id", "in": "path", "required": True, "example": "alice",
                          "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}},
            "IdempotencyKey": {
                "name": "Idempotency-Key", "in": "header", "required": True,
                "description": "1–200 printable ASCII characters, no spaces. Scoped to the route's account for card top-ups.",
                "schema": {"type": "string", "pattern": "^[!-~]{1,200}$"}, "example": "order-1042",
            },
        },
        "responses": SHARED_RESPONSES,
        "schemas": schemas,
    },
}

import sys

text = json.dumps(document, indent=2, sort_keys=False) + "\n"
swift = (
    "// Generated by scripts/gen-openapi.py from the same data as api/openapi.json; do not edit.\n"
    "// Embedded so the binary serves its own contract at GET /openapi.json.\n"
    "enum OpenAPIDocument {\n"
    '    static let json = #"""\n' + text + '"""#\n'
    "}\n"
)
outputs = {ROOT / "api/openapi.json": text, ROOT / "Sources/GatewayApp/HTTP/OpenAPIDocument.swift": swift}
if "--check" in sys.argv:
    stale = [str(p.relative_to(ROOT)) for p, content in outputs.items() if not p.exists() or p.read_text() != content]
    if stale:
        sys.exit(f"gen-openapi: {', '.join(stale)} out of date; run python3 scripts/gen-openapi.py")
    print(f"api/openapi.json current: {len(paths)} paths")
else:
    (ROOT / "api").mkdir(exist_ok=True)
    for path, content in outputs.items():
        path.write_text(content)
    print(f"{len(paths)} paths, {sum(len(v) for v in paths.values())} operations")
