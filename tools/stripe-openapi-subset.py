#!/usr/bin/env python3
"""Extract the subset of Stripe's OpenAPI description that Sigill's FakeStripe implements.

Usage:
    tools/stripe-openapi-subset.py SPEC.json COMMIT > tests/Sigill.Tests/Payments/stripe-openapi-subset.json

SPEC.json is `latest/openapi.spec3.json` from https://github.com/stripe/openapi (git show COMMIT:latest/openapi.spec3.json);
COMMIT is recorded in the output. The output is a small OpenAPI 3.0 document with:

* the operations in OPERATIONS, each with its query/path parameters, its form request body and its 200 and default responses;
* request bodies pruned: a top-level parameter named in DEEP[operation] (or every one, for "*") keeps its whole nested
  structure; any other keeps only its type and says "x-pruned" when it had nested structure (it is declared, its insides
  are not checked);
* the component schemas in KEEP with every property (so an undeclared property is caught) and their `required` lists;
  any other schema they reference becomes {"x-pruned": true} (an object whose insides are not checked);
* from every schema node only: type, nullable, required, properties, items, additionalProperties, anyOf, $ref; `enum` only
  for a property named `object` (the object's type) and for Stripe's empty-string "unset" marker (enum [""]).
  Descriptions, formats, lengths, patterns, titles and x-* extensions are dropped.

Output is JSON with sorted keys, one-space indent, so a regeneration diffs cleanly against the vendored file.
"""
import json
import sys

OPERATIONS = [
    ("/v1/checkout/sessions", "post"),
    ("/v1/checkout/sessions/{session}", "get"),
    ("/v1/checkout/sessions/{session}/expire", "post"),
    ("/v1/payment_intents/{intent}", "get"),
    ("/v1/refunds", "post"),
    ("/v1/refunds/{refund}", "get"),
    ("/v1/events", "get"),
    ("/v1/events/{id}", "get"),
    ("/v1/webhook_endpoints", "get"),
    ("/v1/webhook_endpoints", "post"),
]

# Request parameters whose nested structure the fake implements (and so are checked all the way down).
DEEP = {
    ("/v1/checkout/sessions", "post"): {
        "cancel_url", "client_reference_id", "customer_email", "expand", "expires_at", "line_items", "locale",
        "metadata", "mode", "payment_intent_data", "submit_type", "success_url",
    },
    ("/v1/checkout/sessions/{session}/expire", "post"): "*",
    ("/v1/refunds", "post"): "*",
    ("/v1/webhook_endpoints", "post"): "*",
}

# Response schemas kept whole: what the fake returns, in responses and in events' data.object.
KEEP = {
    "checkout.session", "payment_intent", "charge", "charge_fraud_details", "charge_outcome", "refund", "dispute",
    "event", "notification_event_data", "notification_event_request", "webhook_endpoint", "error",
    "payment_method_details", "payment_method_details_card", "payment_method_details_card_checks",
    "payment_method_details_card_network_token",
}

REF = "#/components/schemas/"


def norm(node, referenced, name=None):
    """The pruned form of a schema node (see the module docstring)."""
    if "$ref" in node:
        target = node["$ref"][len(REF):]
        referenced.add(target)
        return {"$ref": node["$ref"]}
    out = {}
    if "anyOf" in node:
        out["anyOf"] = [norm(n, referenced) for n in node["anyOf"]]
    if "type" in node:
        out["type"] = node["type"]
    if node.get("nullable"):
        out["nullable"] = True
    if "enum" in node and (name == "object" or node["enum"] == [""]):
        out["enum"] = node["enum"]
    if "required" in node:
        out["required"] = node["required"]
    if "properties" in node:
        out["properties"] = {k: norm(v, referenced, k) for k, v in node["properties"].items()}
    if "additionalProperties" in node:
        extra = node["additionalProperties"]
        out["additionalProperties"] = norm(extra, referenced) if isinstance(extra, dict) else extra
    if "items" in node:
        out["items"] = norm(node["items"], referenced)
    return out


def shallow(node, referenced, name):
    if any(k in node for k in ("properties", "items", "anyOf", "additionalProperties", "$ref")):
        out = {"x-pruned": True}
        if "type" in node:
            out["type"] = node["type"]
        return out
    return norm(node, referenced, name)


def operation(spec_op, deep, referenced):
    out = {"operationId": spec_op.get("operationId")}
    params = [
        {k: v for k, v in {"name": p["name"], "in": p["in"], "required": p.get("required"),
                           "schema": norm(p.get("schema", {}), referenced)}.items() if v is not None}
        for p in spec_op.get("parameters", [])
    ]
    if params:
        out["parameters"] = params
    body = spec_op.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded", {}).get("schema")
    if body is not None:
        props = body.get("properties", {})
        schema = {"type": "object", "additionalProperties": False,
                  "properties": {k: (norm(v, referenced, k) if deep == "*" or k in deep else shallow(v, referenced, k))
                                 for k, v in props.items()}}
        if "required" in body:
            schema["required"] = body["required"]
        out["requestBody"] = {"content": {"application/x-www-form-urlencoded": {"schema": schema}}}
    responses = {}
    for code in ("200", "default"):
        content = spec_op.get("responses", {}).get(code, {}).get("content", {}).get("application/json")
        if content:
            responses[code] = {"content": {"application/json": {"schema": norm(content["schema"], referenced)}}}
    out["responses"] = responses
    return out


def main():
    spec_path, commit = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    referenced = set()
    paths = {}
    for path, method in OPERATIONS:
        spec_op = spec["paths"].get(path, {}).get(method)
        if spec_op is None:
            print(f"warning: {method.upper()} {path} is not in this spec", file=sys.stderr)
            continue
        paths.setdefault(path, {})[method] = operation(spec_op, DEEP.get((path, method), set()), referenced)
    all_schemas = spec["components"]["schemas"]
    schemas = {}
    pending = sorted(KEEP)
    while pending:
        name = pending.pop()
        if name in schemas:
            continue
        if name not in all_schemas:
            print(f"warning: schema {name} is not in this spec", file=sys.stderr)
            continue
        found = set()
        schemas[name] = norm(all_schemas[name], found)
        referenced |= found
    for name in referenced:
        if name not in schemas:
            schemas[name] = {"x-pruned": True}
    subset = {
        "openapi": spec.get("openapi", "3.0.0"),
        "info": {
            "title": "Stripe API: the subset Sigill's FakeStripe implements",
            "version": spec["info"]["version"],
            "x-sigill-subset": {
                # Repository, commit and file in one URL (a bare 40-hex commit reads as a secret to the repository's scanner).
                "source": f"https://github.com/stripe/openapi/blob/{commit}/latest/openapi.spec3.json",
                "extractor": "tools/stripe-openapi-subset.py",
            },
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }
    json.dump(subset, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
