#!/usr/bin/env python3
"""Checks the webhook contract files; exits 1 and lists every problem found.

- fixtures/*.json: UTF-8, pretty-printed, one trailing newline, a complete Stripe Event envelope,
  a data.object whose kind matches the event type, current-API shapes (charges without an
  embedded refunds list, a payment_intent on charges/refunds/disputes), or the legacy shape of an
  API version before 2022-11-15 (charges embed their refunds list);
- ids tie together across all fixtures (one amount/currency/livemode/charge/session per pi, one
  pi per charge, refund, dispute and session) and event ids are unique;
- every handled event type has a fixture and every fixture is delivered by some scenario;
- scenarios/*.json: well formed, deliveries exist, accounts and statuses are from the allowed
  sets, and the expectations equal what gateway_model.py computes from the deliveries (entries
  in production order);
- the operator release through the model on scenario 35, and model_histories.py (the stdin/stdout
  interface the Swift randomized tests use) on a tiny history and on malformed input;
- signature-vectors.json: well formed, and valid/reason equal signature_rules.verify; when the
  stripe library is importable (run with .venv/bin/python) the recorded stripe_python answers
  are re-run too.

Usage: .venv/bin/python webhooks/tools/check_fixtures.py   (stdlib + optional stripe)
"""

import collections
import json
import pathlib
import re
import subprocess
import sys

TOOLS = pathlib.Path(__file__).resolve().parent
ROOT = TOOLS.parent
sys.path.insert(0, str(TOOLS))
import gateway_model  # noqa: E402
import signature_rules  # noqa: E402

ENVELOPE = {"id", "object", "api_version", "created", "data", "livemode", "pending_webhooks", "request", "type"}
ENVELOPE_OPTIONAL = {"account", "context"}
API_VERSION = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(basil|clover|dahlia)$")
LEGACY_API_VERSION = re.compile(r"^(\d{4}-\d{2}-\d{2})$")  # before 2022-11-15: charges embed refunds
KIND_BY_TYPE_PREFIX = [("checkout.session.", "checkout.session"), ("payment_intent.", "payment_intent"),
                       ("charge.dispute.", "dispute"), ("charge.refund.", "refund"), ("charge.", "charge"),
                       ("refund.", "refund")]
ID_PREFIX = {"checkout.session": ("cs_test_", "cs_live_"), "payment_intent": ("pi_",), "charge": ("ch_", "py_"),
             "refund": ("re_",), "dispute": ("dp_", "du_")}
ACCOUNTS = {"acct_alice", "acct_bob"}  # exist; acct_ghost must never be created
STATUSES = {"pending", "succeeded", "partially_refunded", "refunded", "disputed", "dispute_won", "dispute_lost",
            "failed", "expired", "parked"}
PARK_REASONS = {"livemode_mismatch", "unsupported_currency", "missing_account", "unknown_account"}
VECTOR_REASONS = {"ok", "missing_header", "malformed_header", "no_v1", "no_match", "timestamp_out_of_tolerance"}

problems = []


def problem(where, message):
    problems.append(f"{where}: {message}")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


# ---------------------------------------------------------------------------------------------
# fixtures


def load_fixture(path):
    raw = path.read_bytes()
    where = f"fixtures/{path.name}"
    if raw.startswith(b"\xef\xbb\xbf"):
        problem(where, "starts with a byte-order mark")
    if not raw.endswith(b"\n") or raw.endswith(b"\n\n"):
        problem(where, "must end with exactly one newline")
    if b"\r" in raw or b"\t" in raw:
        problem(where, "contains CR or TAB characters")
    try:
        text = raw.decode("utf-8")
        event = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        problem(where, f"not UTF-8 JSON: {e}")
        return None
    if text.count("\n") < 10 or "\n  " not in text:
        problem(where, "not pretty-printed")
    return event


def check_envelope(where, ev):
    if not isinstance(ev, dict):
        return problem(where, "not a JSON object")
    missing = ENVELOPE - ev.keys()
    extra = ev.keys() - ENVELOPE - ENVELOPE_OPTIONAL
    if missing:
        problem(where, f"envelope lacks {sorted(missing)}")
    if extra:
        problem(where, f"unexpected envelope keys {sorted(extra)}")
    if missing:
        return
    if ev["object"] != "event":
        problem(where, 'object must be "event"')
    if not (isinstance(ev["id"], str) and re.fullmatch(r"evt_[A-Za-z0-9]{14,}", ev["id"])):
        problem(where, f"bad event id {ev['id']!r}")
    m = API_VERSION.match(ev["api_version"] or "")
    legacy = LEGACY_API_VERSION.match(ev["api_version"] or "")
    if legacy and legacy.group(1) >= "2022-11-15":
        legacy = None
    if not legacy and (not m or m.group(1) < "2025-04-30"):
        problem(where, f"api_version {ev['api_version']!r} is neither 2025-04-30.basil or a newer basil/clover/dahlia "
                       "nor a legacy version before 2022-11-15")
    if not is_int(ev["created"]) or ev["created"] < 1_500_000_000:
        problem(where, "created must be Unix seconds")
    if not isinstance(ev["livemode"], bool):
        problem(where, "livemode must be a boolean")
    if not is_int(ev["pending_webhooks"]) or ev["pending_webhooks"] < 0:
        problem(where, "pending_webhooks must be a non-negative integer")
    req = ev["request"]
    if not (isinstance(req, dict) and set(req) == {"id", "idempotency_key"}):
        problem(where, "request must be {id, idempotency_key}")
    elif req["id"] is not None and not str(req["id"]).startswith("req_"):
        problem(where, "request.id must be null or req_…")
    data = ev["data"]
    if not (isinstance(data, dict) and isinstance(data.get("object"), dict)):
        return problem(where, "data.object must be an object")
    if set(data) - {"object", "previous_attributes"}:
        problem(where, f"unexpected data keys {sorted(set(data) - {'object', 'previous_attributes'})}")
    if "previous_attributes" in data and not isinstance(data["previous_attributes"], dict):
        problem(where, "data.previous_attributes must be an object")
    obj = data["object"]
    kind = next((k for prefix, k in KIND_BY_TYPE_PREFIX if ev["type"].startswith(prefix)), None)
    if kind and obj.get("object") != kind:
        problem(where, f"type {ev['type']} carries a {obj.get('object')!r}, expected {kind!r}")
    prefixes = ID_PREFIX.get(obj.get("object"), ())
    if prefixes and not str(obj.get("id", "")).startswith(prefixes):
        problem(where, f"{obj.get('object')} id {obj.get('id')!r} should start with {prefixes}")
    if "livemode" in obj and obj["livemode"] != ev["livemode"]:
        problem(where, "data.object.livemode differs from the event's livemode")
    if obj.get("object") == "checkout.session":
        want = "cs_live_" if ev["livemode"] else "cs_test_"
        if not obj["id"].startswith(want):
            problem(where, f"session id should start with {want}")
    for field in ("amount", "amount_total", "amount_received", "amount_refunded", "amount_captured"):
        if field in obj and obj[field] is not None and not is_int(obj[field]):
            problem(where, f"{field} must be integer cents")
    if "currency" in obj and obj["currency"] is not None and not re.fullmatch(r"[a-z]{3}", obj["currency"]):
        problem(where, "currency must be a lowercase ISO code")
    if obj.get("object") == "charge":
        if "refunds" in obj and not legacy:
            problem(where, "current API versions do not embed refunds in a charge")
        if legacy and "refunds" not in obj:
            problem(where, "API versions before 2022-11-15 embed the refunds list in a charge")
        if "refunds" in obj:
            lst = obj["refunds"]
            if not (isinstance(lst, dict) and lst.get("object") == "list" and isinstance(lst.get("data"), list)):
                problem(where, "refunds must be a list object")
            else:
                for r in lst["data"]:
                    if (r.get("object") != "refund" or not str(r.get("id", "")).startswith("re_")
                            or r.get("charge") != obj["id"] or r.get("payment_intent") != obj.get("payment_intent")):
                        problem(where, f"embedded refund {r.get('id')!r} must be a re_ refund of this charge and pi")
                if lst.get("total_count") != len(lst["data"]) or sum(r.get("amount", 0) for r in lst["data"]
                                                                    if r.get("status") == "succeeded") > obj["amount_refunded"]:
                    problem(where, "embedded refunds disagree with total_count or amount_refunded")
        if obj["amount_refunded"] > obj["amount"]:
            problem(where, "amount_refunded exceeds amount")
        if obj["refunded"] != (obj["amount_refunded"] == obj["amount"]):
            problem(where, "refunded must be true exactly when fully refunded")
    if obj.get("object") in ("charge", "refund", "dispute") and not str(obj.get("payment_intent") or "").startswith("pi_"):
        problem(where, f"{obj['object']} without a payment_intent")


def check_links(events):
    """One story per id: the same pi always has the same amount, currency, livemode, charge, session."""
    facts = collections.defaultdict(dict)  # (kind, id) -> {attribute: (value, where)}
    seen_evt = {}

    def tie(where, key, attr, value):
        if value is None:
            return
        known = facts[key].get(attr)
        if known is None:
            facts[key][attr] = (value, where)
        elif known[0] != value:
            problem(where, f"{key[1]} {attr} is {value!r} here but {known[0]!r} in {known[1]}")

    objects = []  # (where, event, object): every data.object, and the refunds a legacy charge embeds
    for name, ev in events.items():
        where = f"fixtures/{name}"
        if ev["id"] in seen_evt:
            problem(where, f"event id {ev['id']} also used by {seen_evt[ev['id']]}")
        seen_evt[ev["id"]] = name
        o = ev["data"]["object"]
        objects.append((where, ev, o))
        objects += [(where, ev, r) for r in (o.get("refunds") or {}).get("data", [])]
    for where, ev, o in objects:
        kind = o.get("object")
        pi = o.get("id") if kind == "payment_intent" else o.get("payment_intent")
        if pi:
            tie(where, ("pi", pi), "livemode", ev["livemode"])
            tie(where, ("pi", pi), "currency", o.get("currency"))
        if kind == "checkout.session":
            tie(where, ("cs", o["id"]), "payment_intent", pi)
            if pi:
                tie(where, ("pi", pi), "session", o["id"])
                tie(where, ("pi", pi), "amount", o["amount_total"])
                tie(where, ("pi", pi), "client_reference_id", o.get("client_reference_id") or "-")
                tie(where, ("pi", pi), "session account", (o.get("metadata") or {}).get("account_id") or "-")
        elif kind == "payment_intent":
            tie(where, ("pi", pi), "amount", o["amount"])
            tie(where, ("pi", pi), "pi account", (o.get("metadata") or {}).get("account_id") or "-")
            if o.get("latest_charge"):
                tie(where, ("pi", pi), "charge", o["latest_charge"])
            if o["status"] == "succeeded" and o["amount_received"] != o["amount"]:
                problem(where, "a succeeded card PaymentIntent receives its whole amount")
        elif kind == "charge":
            tie(where, ("pi", pi), "charge", o["id"])
            tie(where, ("pi", pi), "amount", o["amount"])
            tie(where, ("ch", o["id"]), "payment_intent", pi)
        elif kind in ("refund", "dispute"):
            tie(where, ("ch", o["charge"]), "payment_intent", pi)
            tie(where, ("pi", pi), "charge", o["charge"])
            tie(where, (kind, o["id"]), "payment_intent", pi)
            tie(where, (kind, o["id"]), "created", o["created"])
            if kind == "refund":  # a dispute's amount may change (scenario 30); a refund's never does
                tie(where, (kind, o["id"]), "amount", o["amount"])
            elif o["amount"] <= 0:
                problem(where, "a dispute amount must be positive")
    # refunds of one payment never exceed it, and a charge's final amount_refunded is their sum
    amounts = {k[1]: v["amount"][0] for k, v in facts.items() if k[0] == "pi" and "amount" in v}
    by_pi = collections.defaultdict(int)
    for k, v in facts.items():
        if k[0] == "refund":
            by_pi[v["payment_intent"][0]] += v["amount"][0]
    for pi, total in by_pi.items():
        if pi in amounts and total > amounts[pi]:
            problem("fixtures", f"refunds of {pi} add up to {total}, more than its {amounts[pi]}")
        highest = max((ev["data"]["object"]["amount_refunded"] for ev in events.values()
                       if ev["type"] == "charge.refunded" and ev["data"]["object"]["payment_intent"] == pi), default=None)
        if highest is not None and highest != total:
            problem("fixtures", f"{pi}: refund objects add up to {total} but the last charge.refunded says {highest}")


# ---------------------------------------------------------------------------------------------
# scenarios


def check_scenario(name, sc, events, run_model):
    where = f"scenarios/{name}"
    if set(sc) != {"description", "accounts", "deliveries", "expect"}:
        return problem(where, "keys must be description, accounts, deliveries, expect")
    if not (isinstance(sc["description"], str) and sc["description"].strip()):
        problem(where, "empty description")
    accounts = sc["accounts"]
    if not set(accounts) <= ACCOUNTS or len(set(accounts)) != len(accounts):
        problem(where, f"accounts must be distinct members of {sorted(ACCOUNTS)}")
    missing = [d for d in sc["deliveries"] if d not in events]
    if missing:
        return problem(where, f"deliveries name missing fixtures {missing}")
    if not sc["deliveries"]:
        problem(where, "no deliveries")
    exp = sc["expect"]
    allowed = {"balances", "payments", "parked_reasons", "unhandled", "entries"}
    if not {"balances", "payments"} <= set(exp) <= allowed:
        return problem(where, f"expect must have balances and payments, optionally {sorted(allowed - {'balances', 'payments'})}")
    if set(exp["balances"]) != set(accounts) or not all(is_int(v) for v in exp["balances"].values()):
        problem(where, "expect.balances must give integer cents for exactly the scenario's accounts")
    bad = {p: s for p, s in exp["payments"].items() if s not in STATUSES}
    if bad:
        problem(where, f"unknown statuses {bad}")
    # ids consistent within the scenario: every expected payment is referenced by a delivery
    referenced = {gateway_model.payment_intent_of(events[d]) for d in sc["deliveries"]}
    for pi in exp["payments"]:
        if pi not in referenced:
            problem(where, f"expects {pi}, which no delivered fixture mentions")
    for pi, reason in exp.get("parked_reasons", {}).items():
        if exp["payments"].get(pi) != "parked" or reason not in PARK_REASONS:
            problem(where, f"parked_reasons[{pi}] = {reason!r} needs a parked payment and one of {sorted(PARK_REASONS)}")
    for e in exp.get("entries", []):
        if set(e) != {"account", "key", "amount"} or not e["key"].startswith("stripe:") or not is_int(e["amount"]):
            problem(where, f"bad entry {e}")
    if not run_model:
        return None
    # the expectations must equal the model's result
    gw = gateway_model.Gateway(accounts)
    for d in sc["deliveries"]:
        gw.deliver(events[d])
    got = gw.result()
    for field in ("balances", "payments", "parked_reasons", "unhandled"):
        if field in exp and exp[field] != got[field]:
            problem(where, f"expect.{field} = {exp[field]} but the rules give {got[field]}")
    if "parked_reasons" not in exp and got["parked_reasons"]:
        problem(where, f"payments parked by the rules but no expect.parked_reasons: {got['parked_reasons']}")
    if "entries" in exp:
        if exp["entries"] != got["entries"]:  # in production order, as the Swift replay compares them
            problem(where, f"expect.entries differ from the rules (or their order): {got['entries']}")
    elif got["entries"]:
        print(f"  note {name}: entries not pinned; the rules give "
              + ", ".join(f"{e['key']} {e['amount']:+d}" for e in got["entries"]))
    if sum(exp["balances"].values()) != sum(e["amount"] for e in got["entries"] if e["account"] in accounts):
        problem(where, "balances do not equal the sum of the entries")
    return got


# ---------------------------------------------------------------------------------------------
# operator release (scenario 35) and model_histories.py


RELEASE_SCENARIO = "35-unknown-account-refund-parked.json"


def check_release(events):
    """Scenario 35 through the model, then the operator's release: refused, released with the net, once."""
    where = f"scenarios/{RELEASE_SCENARIO} (release)"
    try:
        sc = json.loads((ROOT / "scenarios" / RELEASE_SCENARIO).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        return problem(where, f"cannot read it: {e}")
    gw = gateway_model.Gateway(sc["accounts"])
    for d in sc["deliveries"]:
        gw.deliver(events[d])
    (pi, reason), = sc["expect"]["parked_reasons"].items()
    paid = sum(ev["data"]["object"]["amount_total"] for ev in map(events.get, sc["deliveries"])
               if ev["type"] == "checkout.session.completed")
    refunded = sum(ev["data"]["object"]["amount"] for ev in map(events.get, sc["deliveries"])
                   if ev["type"] == "refund.created")
    net = paid - refunded
    steps = [
        ("releasable before", gw.releasable(), {pi: net}),
        ("release to acct_ghost", gw.release(pi, "acct_ghost")[0], "refused"),
        ("release of an unknown pi", gw.release("pi_3RNobodyKnowsThisOne000", "acct_alice")[0], "refused"),
        ("release to acct_alice", gw.release(pi, "acct_alice"), ("released", net)),
        ("second release", gw.release(pi, "acct_alice"), ("already_released", None)),
        ("releasable after", gw.releasable(), {}),
        ("status after", gw.result()["payments"][pi], "partially_refunded"),
        ("entries after", [e["amount"] for e in gw.result()["entries"]], [paid, -refunded]),
        ("balance after", gw.result()["balances"]["acct_alice"], net),
    ]
    for what, got, want in steps:
        if got != want:
            problem(where, f"{what}: the model gives {got!r}, expected {want!r}")
    # parks that no release lifts
    live = gateway_model.Gateway(["acct_alice"])
    live.deliver(events["live.checkout.session.completed.json"])
    live_pi = gateway_model.payment_intent_of(events["live.checkout.session.completed.json"])
    if live.release(live_pi, "acct_alice")[0] != "refused" or live.releasable():
        problem(where, "a livemode_mismatch payment must not be releasable")
    return None


def minimal(evt, etype, obj, livemode=False):
    return {"id": evt, "object": "event", "type": etype, "created": 1750000000, "livemode": livemode,
            "api_version": "2025-04-30.basil", "data": {"object": obj}}


def check_model_histories():
    """One tiny history through model_histories.py's stdin/stdout, as the Swift tests call it."""
    where = "tools/model_histories.py"
    pi, re_id = "pi_3RSelfTestAAAAAAAAAAAAA", "re_3RSelfTestAAAAAAAAAAAAA"
    session = {"object": "checkout.session", "id": "cs_test_a1SelfTest", "mode": "payment",
               "payment_status": "paid", "amount_total": 1000, "currency": "usd", "payment_intent": pi,
               "client_reference_id": None, "metadata": {}}
    history = {"accounts": ["acct_alice"], "livemode": False, "steps": [
        {"event": minimal("evt_1", "checkout.session.completed", session)},
        {"event": minimal("evt_2", "refund.created", {"object": "refund", "id": re_id, "amount": 400,
                                                      "status": "succeeded", "payment_intent": pi})},
        {"release": {"pi": pi, "account": "acct_alice"}},
        {"event": minimal("evt_3", "charge.dispute.created", {"object": "dispute", "id": "dp_1", "amount": 1000,
                                                              "status": "needs_response", "payment_intent": pi})},
        {"release": {"pi": pi, "account": "acct_alice"}},
        {"release": {"pi": pi, "account": "acct_alice"}},
    ]}
    want = {"results": [{
        "balances": {"acct_alice": 600}, "payments": {pi: "disputed"}, "parked_reasons": {},
        "unhandled": {}, "releasable": {},
        "entries": [{"account": "acct_alice", "key": f"stripe:{pi}", "amount": 1000},
                    {"account": "acct_alice", "key": f"stripe:{re_id}", "amount": -400}],
        "releases": [["released", 600], ["already_released", None], ["already_released", None]]}]}
    tool = [sys.executable, str(TOOLS / "model_histories.py")]
    # the history has no account on the session: parked missing_account, then released by the operator
    run = subprocess.run(tool, input=json.dumps({"histories": [history]}), capture_output=True, text=True, timeout=60)
    if run.returncode != 0 or run.stdout.count("\n") != 1:
        return problem(where, f"exit {run.returncode}, stderr {run.stderr.strip()!r}")
    got = json.loads(run.stdout)
    if got != want:
        problem(where, f"answers {got}, expected {want}")
    bad = subprocess.run(tool, input='{"histories": [{"steps": [{"event": {"id": 1}}]}]}', capture_output=True,
                         text=True, timeout=60)
    if bad.returncode != 2 or not bad.stderr.strip():
        problem(where, f"malformed input must exit 2 with a message, got exit {bad.returncode}")
    return None


# ---------------------------------------------------------------------------------------------
# signature vectors


def check_vectors():
    path = ROOT / "signature-vectors.json"
    try:
        vectors = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        return problem("signature-vectors.json", str(e))
    try:
        import stripe  # noqa: F401
        from unittest import mock
    except ImportError:
        stripe = None
        print("  note: stripe library not importable; stripe_python answers not re-run (use .venv/bin/python)")
    names = set()
    required = {"name", "secrets", "timestamp", "now", "tolerance", "body", "header", "valid", "reason"}
    for i, v in enumerate(vectors):
        where = f"signature-vectors.json[{i}] {v.get('name')}"
        if not required <= set(v):
            problem(where, f"lacks {sorted(required - set(v))}")
            continue
        if v["name"] in names:
            problem(where, "duplicate name")
        names.add(v["name"])
        if v["reason"] not in VECTOR_REASONS or v["valid"] != (v["reason"] == "ok"):
            problem(where, "reason must be one of the listed ones and valid iff reason is ok")
        valid, reason = signature_rules.verify(v["header"], v["body"].encode("utf-8"), v["secrets"], v["now"],
                                               v["tolerance"])
        if (valid, reason) != (v["valid"], v["reason"]):
            problem(where, f"the rule says {valid}/{reason}, the file says {v['valid']}/{v['reason']}")
        if stripe is not None and "stripe_python" in v:
            answer = {"valid": False, "error": None}
            with mock.patch("stripe._webhook.time.time", return_value=float(v["now"])):
                for s in v["secrets"]:
                    try:
                        stripe.WebhookSignature.verify_header(v["body"], v["header"], s, v["tolerance"])
                        answer = {"valid": True, "error": None}
                        break
                    except stripe.SignatureVerificationError as e:
                        answer["error"] = answer["error"] or (e.user_message or str(e))
            if answer != v["stripe_python"]:
                problem(where, f"stripe-python now answers {answer}, the file says {v['stripe_python']}")
    return vectors


def main():
    fixture_paths = sorted((ROOT / "fixtures").glob("*.json"))
    events = {}
    for path in fixture_paths:
        ev = load_fixture(path)
        if ev is not None:
            check_envelope(f"fixtures/{path.name}", ev)
            events[path.name] = ev
    if len(events) == len(fixture_paths) and not problems:
        check_links(events)
    types = {ev.get("type") for ev in events.values()}
    for t in sorted(gateway_model.HANDLED - types):
        problem("fixtures", f"no fixture of handled type {t}")
    if not types - gateway_model.HANDLED:
        problem("fixtures", "no fixture of an unhandled type")

    fixtures_ok = not problems  # the model only runs on fixtures that passed their own checks
    used = set()
    scenario_paths = sorted((ROOT / "scenarios").glob("*.json"))
    for path in scenario_paths:
        try:
            sc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            problem(f"scenarios/{path.name}", f"not JSON: {e}")
            continue
        used.update(sc.get("deliveries", []))
        check_scenario(path.name, sc, events, run_model=fixtures_ok)
    for name in sorted(set(events) - used):
        problem(f"fixtures/{name}", "not delivered by any scenario")
    if fixtures_ok:
        check_release(events)
    check_model_histories()

    vectors = check_vectors() or []

    if problems:
        print(f"{len(problems)} problem(s):")
        for p in problems:
            print(f"  {p}")
        return 1
    print(f"ok: {len(events)} fixtures, {len(scenario_paths)} scenarios, {len(vectors)} signature vectors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
