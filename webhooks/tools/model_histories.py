#!/usr/bin/env python3
"""Runs many histories through gateway_model.py in one process (for randomized Swift tests).

stdin:  {"histories": [{"accounts": ["acct_alice", ...], "livemode": false,
                        "account_currencies": {"acct_alice": "usd", ...}, "wallet_currencies": ["usd", "eur"],
                        "steps": [{"event": <Stripe event>} | {"release": {"pi": "pi_…", "account": "acct_…"}}, ...]},
                       ...]}
stdout: one JSON line {"results": [{"balances": {...}, "payments": {pi: status}, "parked_reasons": {...},
                                    "releasable": {pi: cents}, "unhandled": {type: n},
                                    "entries": [{"account", "key", "amount"}, ...],   (production order)
                                    "releases": [[outcome, net_or_null], ...]}, ...]}
        one result per history, in input order; "releases" has one pair per release step, in order
        (outcome released | refused | already_released; net is null unless released).
Malformed input: a message on stderr, exit 2. Stdlib only.
"""

import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import gateway_model  # noqa: E402


class Malformed(Exception):
    pass


def need(cond, where, what):
    if not cond:
        raise Malformed(f"{where}: {what}")


def check_event(ev, where):
    need(isinstance(ev, dict), where, "event must be an object")
    need(isinstance(ev.get("id"), str) and ev["id"], where, "event.id must be a non-empty string")
    need(isinstance(ev.get("type"), str), where, "event.type must be a string")
    need(isinstance(ev.get("livemode", False), bool), where, "event.livemode must be a boolean")
    data = ev.get("data")
    need(isinstance(data, dict) and isinstance(data.get("object"), dict), where, "event.data.object must be an object")


def run_history(h, where):
    need(isinstance(h, dict), where, "history must be an object")
    accounts = h.get("accounts", [])
    need(isinstance(accounts, list) and all(isinstance(a, str) for a in accounts), where,
         "accounts must be a list of strings")
    livemode = h.get("livemode", False)
    need(isinstance(livemode, bool), where, "livemode must be a boolean")
    steps = h.get("steps")
    need(isinstance(steps, list), where, "steps must be a list")
    currencies = h.get("account_currencies", {})
    need(isinstance(currencies, dict) and all(isinstance(c, str) for c in currencies.values()), where,
         "account_currencies must map accounts to currency codes")
    wallet = h.get("wallet_currencies", ["usd"])
    need(isinstance(wallet, list) and all(isinstance(c, str) for c in wallet), where, "wallet_currencies must be a list")
    gw = gateway_model.Gateway(accounts, livemode=livemode, account_currencies=currencies, wallet_currencies=wallet)
    releases = []
    for j, step in enumerate(steps):
        at = f"{where}.steps[{j}]"
        need(isinstance(step, dict) and len(step) == 1 and set(step) <= {"event", "release"}, at,
             'a step is {"event": …} or {"release": …}')
        if "event" in step:
            check_event(step["event"], at)
            try:
                gw.deliver(step["event"])
            except (KeyError, TypeError, AttributeError, ValueError) as e:
                raise Malformed(f"{at}: event not readable ({type(e).__name__}: {e})") from e
        else:
            r = step["release"]
            need(isinstance(r, dict) and isinstance(r.get("pi"), str) and isinstance(r.get("account"), str), at,
                 'release must be {"pi": str, "account": str}')
            outcome, net = gw.release(r["pi"], r["account"])
            releases.append([outcome, net])
    result = gw.result()
    result["releasable"] = gw.releasable()
    result["releases"] = releases
    return result


def run(doc):
    need(isinstance(doc, dict) and isinstance(doc.get("histories"), list), "input", 'expected {"histories": [...]}')
    return {"results": [run_history(h, f"histories[{i}]") for i, h in enumerate(doc["histories"])]}


def main():
    try:
        doc = json.load(sys.stdin)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        print(f"model_histories: input is not JSON: {e}", file=sys.stderr)
        return 2
    try:
        out = run(doc)
    except Malformed as e:
        print(f"model_histories: malformed input: {e}", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(out, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
