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
    args = parser.parse_args(argv)
    return cmd_sign(args) if args.command == "sign" else cmd_verify(args)


if __name__ == "__main__":
    sys.exit(main())
