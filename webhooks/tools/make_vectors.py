#!/usr/bin/env python3
"""Writes webhooks/signature-vectors.json and webhooks/hmac-vectors.json.

Headers are made with the official stripe library (WebhookSignature.generate_signature_header,
or WebhookSignature._compute_signature for headers with several v1 values or edited values) and
every digest is cross-checked with Python's hmac. Each vector is labelled with the gateway's rule
(signature_rules.verify) and, for comparison, with what stripe-python's verify_header says at the
same `now` and tolerance (its clock patched).

Usage: .venv/bin/python webhooks/tools/make_vectors.py
"""

import hashlib
import hmac
import json
import pathlib
import sys
import unicodedata
from unittest import mock

import stripe

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import signature_rules  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent

SECRET = "whsec_test_secret"  # the SDK tests' dummy secret
ROLLED = "whsec_test_secret_rolled_key"
OTHER = "whsec_some_other_endpoint"
NOW = 1700000000
# stripe-node's EVENT_PAYLOAD_STRING: JSON.stringify({id, object}, null, 2), no trailing newline
P = '{\n  "id": "evt_test_webhook",\n  "object": "event"\n}'
# stripe-python's DUMMY_WEBHOOK_PAYLOAD (tests/test_webhook.py)
PY_DUMMY = ('{\n  "id": "evt_test_webhook",\n  "object": "event",\n'
            '  "data": { "object": { "id": "rdr_123", "object": "terminal.reader" } }\n}')
UNICODE = ('{\n  "id": "evt_unicode",\n  "object": "event",\n'
           '  "data": {\n    "object": {\n      "description": "Café für Zoë — 💳 中文"\n    }\n  }\n}')

# Digests published in facts/stripe.md §1.3 (computed there by hand; re-checked below).
FACTS = {
    ("whsec_test_secret", 1700000000, P): "4f1cd7feda9826e746b7d482c4badebb657398df1099e1046364f6196a230150",
    ("whsec_test_secret", 12345, P): "2672d138c9a412830f3bfe2ecc5bfb3277cf6f5b49d0119d77dd6cb64da1257e",
    (ROLLED, 1700000000, P): "dc80d0334b78e0dbbc3d5352c151a428b746163b94ad381096bb293b9e650f1e",
    ("whsec_test_secret", 1700000000, P + "\n"): "d3c4aa0a1a511b40677c569aa6fe7b4be56341c01e8cb0a8a41f84d64daf520b",
    ("whsec_test_secret", 1700000000, PY_DUMMY): "3bfab77baf5f7b6991a46c9b53b6547d7afc56148b10468fcad9f35c1992ffbd",
}


def sig(secret, t, body):
    """v1 digest from the stripe library, cross-checked with hmac (and with facts/stripe.md if listed)."""
    lib = stripe.WebhookSignature._compute_signature("%d.%s" % (t, body), secret)
    mine = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    assert lib == mine, (secret, t)
    if (secret, t, body) in FACTS:
        assert lib == FACTS[(secret, t, body)], ("facts/stripe.md digest differs", secret, t)
    return lib


def header(secret, t, body):
    """A plain t=…,v1=… header exactly as the library generates it."""
    h = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=t)
    assert h == f"t={t},v1={sig(secret, t, body)}"
    return h


def library_answer(v):
    """stripe-python's verify_header with its clock at `now`; secrets tried one by one (the library
    takes one secret; a caller with several loops). Valid if any accepts; else the first error."""
    errors = []
    with mock.patch("stripe._webhook.time.time", return_value=float(v["now"])):
        for s in v["secrets"]:
            try:
                stripe.WebhookSignature.verify_header(v["body"], v["header"], s, v["tolerance"])
                return {"valid": True, "error": None}
            except stripe.SignatureVerificationError as e:
                errors.append(str(e.user_message if hasattr(e, "user_message") and e.user_message else e))
    return {"valid": False, "error": errors[0]}


VECTORS = []


def vec(name, hdr, *, secrets=(SECRET,), t=NOW, now=NOW, tolerance=300, body=P, note=None):
    v = {"name": name, "secrets": list(secrets), "timestamp": t, "now": now, "tolerance": tolerance,
         "body": body, "header": hdr}
    valid, reason = signature_rules.verify(hdr, body.encode("utf-8"), v["secrets"], now, tolerance)
    v["valid"], v["reason"] = valid, reason
    if note:
        v["note"] = note
    v["stripe_python"] = library_answer(v)
    VECTORS.append(v)


def build():
    good = header(SECRET, NOW, P)
    s = sig(SECRET, NOW, P)

    # facts/stripe.md §1.3 full-header vectors
    vec("facts-1700000000", good, note="facts/stripe.md §1.3: secret whsec_test_secret, stripe-node's payload.")
    vec("facts-t12345-tolerance-never-disabled", header(SECRET, 12345, P), t=12345,
        note="facts/stripe.md §1.3. The signature is right; the SDKs accept it with tolerance disabled, the "
             "gateway never disables the check (tolerance 0 is refused by config).")
    vec("facts-rolled-key", header(ROLLED, NOW, P), secrets=[ROLLED],
        note="facts/stripe.md §1.3: the rolled secret alone.")
    vec("facts-trailing-newline", header(SECRET, NOW, P + "\n"), body=P + "\n",
        note="facts/stripe.md §1.3: the body with one extra \\n byte, signed as such.")
    vec("facts-trailing-newline-mismatch", good, body=P + "\n",
        note="Header signed for the body without the newline, posted with it: one byte changes everything.")
    vec("facts-python-dummy-payload", header(SECRET, NOW, PY_DUMMY), body=PY_DUMMY,
        note="facts/stripe.md §1.3: stripe-python's DUMMY_WEBHOOK_PAYLOAD.")

    # SDK behaviour cases (facts/stripe.md §1.3 list)
    vec("sdk-bad-header", "bad_header")
    vec("sdk-not-a-header", "i'm not even a real signature header")
    vec("sdk-only-v0", f"t={NOW},v0={s}", note="v0 carries the right digest and is still ignored.")
    vec("sdk-v1-bad-signature", f"t={NOW},v1=bad_signature")
    vec("sdk-15s-old-tolerance-10", header(SECRET, NOW - 15, P), t=NOW - 15, tolerance=10)
    vec("sdk-9s-old-tolerance-10", header(SECRET, NOW - 9, P), t=NOW - 9, tolerance=10)
    vec("sdk-valid-plus-bad-v1", good + ",v1=bad_signature")
    vec("sdk-valid-plus-potato", good + ",v1=potato")
    vec("sdk-bad-v1-before-valid", f"t={NOW},v1=bad_signature,v1={s}")
    vec("sdk-empty-header", "")
    vec("sdk-t-empty", "t=")
    vec("sdk-v1-without-value-then-t", "v1,t=1")
    vec("stripe-doc-order-with-v0", f"t={NOW},v1={s},v0={sig('whsec_fake_v0', NOW, P)}",
        note="The shape Stripe documents for test events: t, v1, then a fake v0.")

    # tolerance edges (default 300 s), both directions
    for delta, label in [(-300, "exactly-300s-old"), (-301, "301s-old"), (300, "exactly-300s-ahead"),
                         (301, "301s-ahead"), (3600, "1h-ahead")]:
        t = NOW + delta
        note = None
        if delta > 300:
            note = ("Future timestamp beyond tolerance: the gateway's check is two-sided; stripe-python (and "
                    "node, go) only reject old timestamps, so the library accepts it.")
        vec(f"tolerance-{label}", header(SECRET, t, P), t=t, note=note)
    vec("tolerance-old-and-bad-signature", f"t={NOW - 1000},v1=bad_signature", t=NOW - 1000,
        note="Both checks fail: the signature is checked first, so the reason is no_match (as in stripe-python).")

    # several secrets (rotation overlap; test and Connect endpoints)
    both = f"t={NOW},v1={sig(SECRET, NOW, P)},v1={sig(ROLLED, NOW, P)}"
    vec("rotation-two-v1-old-secret-alone", both, secrets=[SECRET])
    vec("rotation-two-v1-new-secret-alone", both, secrets=[ROLLED])
    vec("rotation-two-v1-both-secrets", both, secrets=[SECRET, ROLLED])
    vec("rotation-two-v1-unrelated-secret", both, secrets=[OTHER])
    vec("rotation-header-new-only-gateway-has-both", header(ROLLED, NOW, P), secrets=[SECRET, ROLLED],
        note="The gateway tries every configured secret; the library takes one (the caller loops).")
    vec("rotation-header-new-only-gateway-has-old", header(ROLLED, NOW, P), secrets=[SECRET])
    vec("secret-without-whsec-prefix", good, secrets=["test_secret"],
        note="The HMAC key is the whole secret string including whsec_, as UTF-8; it is not base64-decoded.")
    vec("secret-with-trailing-space", good, secrets=[SECRET + " "],
        note="The verifier uses the secret bytes as given (config trims list entries before this point).")

    # header syntax
    vec("no-t", f"v1={s}")
    vec("no-v1-at-all", f"t={NOW}")
    vec("t-not-a-number", f"t=abc,v1={s}")
    vec("t-negative", f"t=-{NOW},v1={s}")
    vec("t-overflows-int64", f"t=99999999999999999999,v1={s}")
    vec("t-twice", f"t={NOW},t={NOW - 100},v1={s}",
        note="Gateway: malformed. stripe-python takes the first t, stripe-go the last.")
    vec("t-leading-zero", f"t=0{NOW},v1={s}",
        note="All SDKs sign the parsed integer printed in decimal (\"%d\"), so the zero is not signed; "
             "the gateway does the same.")
    vec("t-signed-differs-from-header", f"t={NOW + 1},v1={s}", t=NOW + 1,
        note="The header's t was changed after signing (replay with a fresh t).")
    vec("unknown-scheme-ignored", f"t={NOW},v2=deadbeef,v1={s}")
    vec("element-without-equals", f"t={NOW},v1={s},junk",
        note="Gateway (like stripe-go): every element must be key=value. stripe-python ignores it.")
    vec("trailing-comma", good + ",",
        note="An empty element is malformed for the gateway (and stripe-go); stripe-python ignores it.")
    vec("v1-wrong-length", f"t={NOW},v1={s[:-1]}")
    vec("v1-empty-value", f"t={NOW},v1=")

    # whitespace
    vec("ws-around-whole-header", f"  {good}\t",
        note="Leading/trailing SP/HTAB are optional whitespace around an HTTP field value: trimmed.")
    vec("ws-only", "   ", note="Nothing left after trimming: treated as a missing header.")
    vec("ws-after-comma", f"t={NOW}, v1={s}",
        note="' v1' is not the v1 scheme; all three SDKs agree (no v1 found).")
    vec("ws-tab-after-comma", f"t={NOW},\tv1={s}")
    vec("ws-around-equals", f"t = {NOW},v1={s}")
    vec("ws-in-t-value", f"t= {NOW},v1={s}",
        note="Gateway: t must be ASCII digits only. stripe-python's int() strips the space and accepts.")
    vec("ws-in-v1-value", f"t={NOW},v1= {s}")

    # hex case (the gateway compares decoded bytes, as stripe-go does)
    vec("hex-uppercase", f"t={NOW},v1={s.upper()}",
        note="Gateway: valid (decoded bytes compared). stripe-python and stripe-node compare hex strings and "
             "reject it. Stripe itself sends lowercase.")
    vec("hex-mixed-case", f"t={NOW},v1={s[:32].upper() + s[32:]}")

    # bodies
    vec("unicode-body", header(SECRET, NOW, UNICODE), body=UNICODE,
        note="The digest covers the UTF-8 bytes of the body (é = C3 A9, 💳 = F0 9F 92 B3).")
    nfd = unicodedata.normalize("NFD", UNICODE)
    assert nfd != UNICODE
    vec("unicode-body-renormalized", header(SECRET, NOW, UNICODE), body=nfd,
        note="Same text after Unicode NFD normalisation (é as e + U+0301): different bytes, no match.")
    vec("empty-body-signed", header(SECRET, NOW, ""), body="",
        note="The signature layer accepts it (signed \"1700000000.\"); the endpoint then answers 400, not JSON. "
             "stripe-node refuses an empty payload before checking.")
    compact = json.dumps(json.loads(P), separators=(",", ":"))
    vec("reserialized-body", good, body=compact,
        note="The same JSON re-serialised without whitespace: the classic framework bug, no match.")


def hmac_vectors():
    """Raw HMAC-SHA256 digests (no "t." prefix, key test_secret) from stripe-node test/crypto/helpers.ts."""
    cases = [("", "f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd"),
             ('{"obj1":"hello","obj2":"world"}', "bebb1a643997f419b315ddba19e6f5411e1ce7f810ba6d3617ce72823092f363"),
             ("\U0001F600", "837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43")]
    out = []
    for message, expected in cases:
        got = stripe.WebhookSignature._compute_signature(message, "test_secret")
        assert got == expected == hmac.new(b"test_secret", message.encode(), hashlib.sha256).hexdigest()
        out.append({"key": "test_secret", "message": message, "hmac_sha256_hex": expected})
    return out


def main():
    build()
    names = [v["name"] for v in VECTORS]
    assert len(names) == len(set(names)), "duplicate vector names"
    dump = lambda o: json.dumps(o, indent=2, ensure_ascii=False) + "\n"  # noqa: E731
    (ROOT / "signature-vectors.json").write_text(dump(VECTORS), encoding="utf-8")
    (ROOT / "hmac-vectors.json").write_text(dump(hmac_vectors()), encoding="utf-8")
    differ = [v["name"] for v in VECTORS if v["valid"] != v["stripe_python"]["valid"]]
    print(f"wrote {len(VECTORS)} signature vectors (stripe {stripe.VERSION}); gateway and stripe-python differ on: "
          + ", ".join(differ))


if __name__ == "__main__":
    main()
