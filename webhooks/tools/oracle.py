#!/usr/bin/env python3
"""The official stripe library as a test oracle for the Swift verifier (run through a subprocess).

  oracle.py sign   --secret S [--secret S2 …] --timestamp T --body-file F
      Prints a Stripe-Signature header for the exact bytes of F, made by
      stripe.WebhookSignature.generate_signature_header (one secret) or, with several secrets,
      "t=T,v1=<sig1>,v1=<sig2>…" from stripe.WebhookSignature._compute_signature (what Stripe sends
      while a rolled secret is still active). Exit 0.

  oracle.py verify --secret S --header H --body-file F --tolerance N [--now T]
      Runs stripe.Webhook.construct_event(body, H, S, tolerance=N). Accepted: prints the event id,
      exit 0. Refused: prints the library's error message, exit 1. --now pins the clock the library
      reads (default: the real clock).

  oracle.py checkout --api-base URL --key K --idempotency-key I --account A --amount N --currency C
                      --success-url U --cancel-url U [--name TEXT]
      Creates a Checkout Session through the library's own client (StripeClient, pointed at URL), with
      the parameters the gateway sends, and prints the Session the library built from the answer as
      JSON: exit 0. A Stripe error prints its type and message, exit 1. So the library checks that
      the API stand-in answers what it can read, and the stand-in checks that it reads what the
      library encodes.

Output goes to stdout, one line. Usage errors exit 2. Bad UTF-8 in the body exits 1 (the library
verifies over the decoded text, so it cannot take such a body).

Remember the differences from the gateway (README "Signature rules"): the library's tolerance is
one-sided (timestamps in the future are accepted; tolerance 0 disables the check), it compares hex
strings (uppercase hex fails), it takes one secret, and it ignores stray elements such as a trailing
comma. signature-vectors.json lists both answers for every vector.

Run with the project venv: .venv/bin/python webhooks/tools/oracle.py …
"""

import argparse
import contextlib
import pathlib
import sys
from unittest import mock

import stripe


def read_body(path):
    return pathlib.Path(path).read_bytes().decode("utf-8")


def cmd_sign(args):
    body = read_body(args.body_file)
    if len(args.secret) == 1:
        header = stripe.WebhookSignature.generate_signature_header(body, args.secret[0], timestamp=args.timestamp)
    else:
        signed = "%d.%s" % (args.timestamp, body)
        sigs = [stripe.WebhookSignature._compute_signature(signed, s) for s in args.secret]
        header = f"t={args.timestamp}," + ",".join(f"v1={s}" for s in sigs)
    print(header)
    return 0


def cmd_verify(args):
    try:
        body = read_body(args.body_file)
    except UnicodeDecodeError as e:
        print(f"body is not UTF-8: {e}")
        return 1
    clock = (mock.patch("stripe._webhook.time.time", return_value=float(args.now))
             if args.now is not None else contextlib.nullcontext())
    try:
        with clock:
            event = stripe.Webhook.construct_event(body, args.header, args.secret, tolerance=args.tolerance)
    except stripe.SignatureVerificationError as e:
        print(e.user_message or str(e))
        return 1
    except ValueError as e:  # the body is not JSON, or is a thin event
        print(str(e))
        return 1
    print(event.id)
    return 0


def cmd_checkout(args):
    import json
    client = stripe.StripeClient(args.key, base_addresses={"api": args.api_base}, max_network_retries=0)
    params = {
        "mode": "payment",
        "line_items": [{
            "price_data": {"currency": args.currency, "unit_amount": args.amount, "product_data": {"name": args.name}},
            "quantity": 1,
        }],
        "success_url": args.success_url,
        "cancel_url": args.cancel_url,
        "client_reference_id": args.account,
        "metadata": {"account_id": args.account},
        "payment_intent_data": {"metadata": {"account_id": args.account}},
    }
    try:
        session = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": args.idempotency_key})
    except stripe.StripeError as e:
        print(f"{type(e).__name__}: {e.user_message or str(e)}")
        return 1
    print(json.dumps({
        "type": type(session).__name__, "object": session.object, "id": session.id, "url": session.url,
        "amount_total": session.amount_total, "currency": session.currency, "mode": session.mode,
        "status": session.status, "payment_status": session.payment_status, "expires_at": session.expires_at,
        "client_reference_id": session.client_reference_id, "metadata": session.metadata.to_dict() if session.metadata else {},
    }, sort_keys=True))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="oracle.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sign = sub.add_parser("sign", help="print a Stripe-Signature header made by the stripe library")
    sign.add_argument("--secret", action="append", required=True, help="whsec_… (repeat for one v1 per secret)")
    sign.add_argument("--timestamp", type=int, required=True)
    sign.add_argument("--body-file", required=True)
    verify = sub.add_parser("verify", help="run stripe.Webhook.construct_event")
    verify.add_argument("--secret", required=True)
    verify.add_argument("--header", required=True)
    verify.add_argument("--body-file", required=True)
    verify.add_argument("--tolerance", type=int, required=True)
    verify.add_argument("--now", type=int, default=None, help="pin the library's clock (Unix seconds)")
    checkout = sub.add_parser("checkout", help="create a Checkout Session with the library's client")
    checkout.add_argument("--api-base", required=True)
    checkout.add_argument("--key", required=True)
    checkout.add_argument("--idempotency-key", required=True)
    checkout.add_argument("--account", required=True)
    checkout.add_argument("--amount", type=int, required=True)
    checkout.add_argument("--currency", required=True)
    checkout.add_argument("--success-url", required=True)
    checkout.add_argument("--cancel-url", required=True)
    checkout.add_argument("--name", default="Wallet top-up")
    args = parser.parse_args(argv)
    return {"sign": cmd_sign, "verify": cmd_verify, "checkout": cmd_checkout}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
