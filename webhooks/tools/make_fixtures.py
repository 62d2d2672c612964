#!/usr/bin/env python3
"""Writes webhooks/fixtures/*.json and webhooks/scenarios/*.json.

The JSON files are the contract (their bytes are what gets signed and posted); this script is
only how they were made, so that an edit keeps ids, amounts and timestamps consistent. The
expected results in SCENARIOS are typed by hand; check_fixtures.py recomputes them with an
independent model of the rules (gateway_model.py) and fails on any difference.

Usage: webhooks/tools/make_fixtures.py   (overwrites both folders; no network, stdlib only)
"""

import hashlib
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
API_VERSION = "2025-04-30.basil"
T0 = 1750000000  # 2025-06-15T15:06:40Z; each payment story starts at T0 + k hours
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def filler(seed, n):
    """n deterministic base62 characters derived from seed."""
    out, counter = "", 0
    while len(out) < n:
        digest = hashlib.sha256(f"{seed}/{counter}".encode()).digest()
        out += "".join(B62[b % 62] for b in digest)
        counter += 1
    return out[:n]


def sid(prefix, tag, length=24, lead="3R"):
    """A Stripe-looking id whose readable tag follows a fixed lead: pi_3RHappy…"""
    body = lead + tag
    return f"{prefix}_{body}{filler(prefix + tag, length - len(body))}"


def uuid(seed):
    h = hashlib.sha256(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


# ---------------------------------------------------------------------------------------------
# Object builders (field sets follow the current API shapes; values are synthetic)


def address(country="US", postal=None):
    return {"city": None, "country": country, "line1": None, "line2": None,
            "postal_code": postal, "state": None}


def checkout_session(p, status, payment_status, created, livemode=False, with_pi=True,
                     customer_details=True):
    completed = status == "complete"
    return {
        "id": p["cs"],
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": p["amount"],
        "amount_total": p["amount"],
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": "https://wallet.example.com/top-up/cancel",
        "client_reference_id": p.get("client_reference_id"),
        "client_secret": None,
        "collected_information": {"shipping_details": None} if completed else None,
        "consent": None,
        "consent_collection": None,
        "created": created,
        "currency": p["currency"],
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer": None,
        "customer_creation": "if_required",
        "customer_details": ({
            "address": address(p.get("country", "US"), p.get("postal")),
            "email": p["email"],
            "name": p["name"],
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        } if customer_details else None),
        "customer_email": None,
        "discounts": [],
        "expires_at": created + 86400,
        "invoice": None,
        "invoice_creation": {"enabled": False, "invoice_data": {
            "account_tax_ids": None, "custom_fields": None, "description": None,
            "footer": None, "issuer": None, "metadata": {}, "rendering_options": None}},
        "livemode": livemode,
        "locale": None,
        "metadata": p.get("session_metadata", {}),
        "mode": "payment",
        "payment_intent": p["pi"] if with_pi else None,
        "payment_link": None,
        "payment_method_collection": "always",
        "payment_method_configuration_details": None,
        "payment_method_options": p.get("pm_options", {"card": {"request_three_d_secure": "automatic"}}),
        "payment_method_types": p.get("pm_types", ["card"]),
        "payment_status": payment_status,
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": status,
        "submit_type": "pay",
        "subscription": None,
        "success_url": "https://wallet.example.com/top-up/done?session_id={CHECKOUT_SESSION_ID}",
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": None,
        "wallet_options": None,
    }


def payment_intent(p, created, status="succeeded", livemode=False):
    succeeded = status == "succeeded"
    return {
        "id": p["pi"],
        "object": "payment_intent",
        "amount": p["amount"],
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": p["amount"] if succeeded else 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": p.get("apm"),
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": f"{p['pi']}_secret_{filler(p['pi'] + 'secret', 25)}",
        "confirmation_method": "automatic",
        "created": created,
        "currency": p["currency"],
        "customer": None,
        "description": p.get("description"),
        "excluded_payment_method_types": None,
        "last_payment_error": None,
        "latest_charge": p["ch"] if succeeded else None,
        "livemode": livemode,
        "metadata": p.get("pi_metadata", {}),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": p["pm"] if succeeded else None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"installments": None, "mandate_options": None,
                                            "network": None, "request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": status,
        "transfer_data": None,
        "transfer_group": None,
    }


def charge(p, created, amount_refunded=0, disputed=False, livemode=False, refunds=None):
    c = {
        "id": p["ch"],
        "object": "charge",
        "amount": p["amount"],
        "amount_captured": p["amount"],
        "amount_refunded": amount_refunded,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": sid("txn", p["tag"] + "Chg"),
        "billing_details": {"address": address(p.get("country", "US"), p.get("postal")),
                            "email": p["email"], "name": p["name"], "phone": None, "tax_id": None},
        "calculated_statement_descriptor": "WALLET TOP-UP",
        "captured": True,
        "created": created,
        "currency": p["currency"],
        "customer": None,
        "description": p.get("description"),
        "disputed": disputed,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "livemode": livemode,
        "metadata": p.get("pi_metadata", {}),
        "on_behalf_of": None,
        "outcome": {"advice_code": None, "network_advice_code": None, "network_decline_code": None,
                    "network_status": "approved_by_network", "reason": None, "risk_level": "normal",
                    "risk_score": 21, "seller_message": "Payment complete.", "type": "authorized"},
        "paid": True,
        "payment_intent": p["pi"],
        "payment_method": p["pm"],
        "payment_method_details": {"card": {
            "amount_authorized": p["amount"], "authorization_code": "123456", "brand": "visa",
            "checks": {"address_line1_check": None, "address_postal_code_check": "pass", "cvc_check": "pass"},
            "country": "US", "exp_month": 12, "exp_year": 2034,
            "extended_authorization": {"status": "disabled"}, "fingerprint": filler(p["pm"], 16),
            "funding": "credit", "incremental_authorization": {"status": "unavailable"},
            "installments": None, "last4": "4242", "mandate": None,
            "multicapture": {"status": "unavailable"}, "network": "visa",
            "network_token": {"used": False}, "network_transaction_id": filler(p["ch"] + "ntid", 15),
            "overcapture": {"maximum_amount_capturable": p["amount"], "status": "unavailable"},
            "regulated_status": "unregulated", "three_d_secure": None, "wallet": None},
            "type": "card"},
        "radar_options": {},
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/payment/{filler(p['ch'] + 'rcpt', 96)}",
        "refunded": amount_refunded == p["amount"],
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded",
        "transfer_data": None,
        "transfer_group": None,
    }
    if refunds is None:
        return c
    # API versions before 2022-11-15 embed the charge's refunds (a list object) after "refunded".
    out = {}
    for k, v in c.items():
        out[k] = v
        if k == "refunded":
            out["refunds"] = {"object": "list", "data": refunds, "has_more": False,
                              "total_count": len(refunds), "url": f"/v1/charges/{p['ch']}/refunds"}
    return out


def refund(p, r, created, status):
    done = status == "succeeded"
    out = {
        "id": r["id"],
        "object": "refund",
        "amount": r["amount"],
        "balance_transaction": sid("txn", r["tag"]),
        "charge": p["ch"],
        "created": created,
        "currency": p["currency"],
        "destination_details": {"card": {
            "reference": r.get("arn") if r.get("arn") else None,
            "reference_status": "available" if r.get("arn") else "pending",
            "reference_type": "acquirer_reference_number",
            "type": "refund"}, "type": "card"},
    }
    if status == "failed":  # the returned funds' balance transaction, and why
        out["failure_balance_transaction"] = sid("txn", r["tag"] + "Fail")
        out["failure_reason"] = r.get("failure_reason", "expired_or_canceled_card")
    out.update({
        "metadata": {},
        "payment_intent": p["pi"],
        "reason": "requested_by_customer",
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded" if done else status,
        "transfer_reversal": None,
    })
    return out


def balance_txn(tag, amount, fee, created, dp, description):
    return {
        "id": sid("txn", tag),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": created,
        "balance_type": "payments",
        "created": created,
        "currency": "usd",
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": ([{"amount": fee, "application": None, "currency": "usd",
                          "description": "Dispute fee", "type": "stripe_fee"}] if fee else []),
        "net": amount - fee,
        "reporting_category": "dispute" if amount < 0 else "dispute_reversal",
        "source": dp,
        "status": "available",
        "type": "adjustment",
    }


def dispute(p, d, created, status, txns, evidence_text=None, case_type="chargeback"):
    evidence = {k: None for k in [
        "access_activity_log", "billing_address", "cancellation_policy",
        "cancellation_policy_disclosure", "cancellation_rebuttal", "customer_communication",
        "customer_email_address", "customer_name", "customer_purchase_ip", "customer_signature",
        "duplicate_charge_documentation", "duplicate_charge_explanation", "duplicate_charge_id",
        "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
        "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address",
        "shipping_carrier", "shipping_date", "shipping_documentation", "shipping_tracking_number",
        "uncategorized_file", "uncategorized_text"]}
    evidence["enhanced_evidence"] = {}
    if evidence_text:
        evidence["customer_email_address"] = p["email"]
        evidence["uncategorized_text"] = evidence_text
    return {
        "id": d["id"],
        "object": "dispute",
        "amount": d["amount"],
        "balance_transactions": txns,
        "charge": p["ch"],
        "created": created,
        "currency": p["currency"],
        "enhanced_eligibility_types": [],
        "evidence": evidence,
        "evidence_details": {"due_by": created + 21 * 86400, "enhanced_eligibility": {},
                             "has_evidence": bool(evidence_text), "past_due": False,
                             "submission_count": 1 if evidence_text else 0},
        "is_charge_refundable": case_type == "inquiry",
        "livemode": False,
        "metadata": {},
        "payment_intent": p["pi"],
        "payment_method_details": {"card": {"brand": "visa", "case_type": case_type,
                                            "network_reason_code": d["network_reason_code"]},
                                   "type": "card"},
        "reason": d["reason"],
        "status": status,
    }


# ---------------------------------------------------------------------------------------------
# Payment stories: one PaymentIntent each (except expired-no-pi, which never got one)


def story(k, tag, amount, account, name, email, currency="usd", **extra):
    p = {"k": k, "tag": tag, "amount": amount, "currency": currency, "name": name, "email": email,
         "t": T0 + k * 3600,
         "pi": sid("pi", tag), "ch": sid("ch", tag), "pm": sid("pm", tag, lead="1R"),
         "cs": "cs_test_a1" + tag + filler("cs" + tag, 56 - len(tag))}
    if account is not None:
        p["client_reference_id"] = account
        p["session_metadata"] = {"account_id": account}
        p["pi_metadata"] = {"account_id": account}
    p["description"] = f"Wallet top-up {amount // 100}.{amount % 100:02d} {currency.upper()}"
    p.update(extra)
    return p


HAPPY = story(1, "Happy", 2000, "acct_alice", "Alice Example", "alice@example.com", postal="94107")
ASYNC = story(2, "Async", 1500, "acct_bob", "Bob Ñandú", "bob@example.com", postal="10001",
              pm_types=["us_bank_account"],
              pm_options={"us_bank_account": {"verification_method": "automatic"}})
ASYNCFAIL = story(3, "AsyncFail", 4200, "acct_bob", "Bob Ñandú", "bob@example.com", postal="10001",
                  pm_types=["us_bank_account"],
                  pm_options={"us_bank_account": {"verification_method": "automatic"}})
EXPIRED = story(4, "Expired", 1000, "acct_alice", "Alice Example", "alice@example.com", postal="94107")
EXPIREDNOPI = story(5, "NoPI", 1000, "acct_alice", "Alice Example", "alice@example.com")
EUR = story(6, "Eur", 1800, "acct_alice", "Alice Example", "alice@example.com", currency="eur",
            country="DE", postal="10115")
GHOST = story(7, "Ghost", 2200, "acct_ghost", "Casper Ghost", "ghost@example.com", postal="02108")
NOACCT = story(8, "NoAcct", 900, None, "Nobody Known", "nobody@example.com", postal="60601")
LIVE = story(9, "Live", 3000, "acct_alice", "Alice Example", "alice@example.com", postal="94107")
LIVE["cs"] = "cs_live_a1Live" + filler("csLive", 52)
REFUNDS = story(10, "Refunds", 2500, "acct_alice", "Alice Example", "alice@example.com", postal="94107")
EARLY = story(11, "Early", 1200, "acct_bob", "Zoë Ångström", "bob@example.com", postal="10001",
              apm={"allow_redirects": "never", "enabled": True})
DISPWON = story(12, "DispWon", 5000, "acct_alice", "Alice Example", "alice@example.com", postal="94107")
DISPLOST = story(13, "DispLost", 3000, "acct_bob", "Bob Ñandú", "bob@example.com", postal="10001")
# The session was created without an account (no client_reference_id, no metadata); only the
# PaymentIntent's metadata names Alice.
PARKREF = story(14, "ParkRefund", 1600, None, "Alice Example", "alice@example.com", postal="94107",
                pi_metadata={"account_id": "acct_alice"})
REFFAIL = story(15, "RefundFail", 4000, "acct_alice", "Alice Example", "alice@example.com", postal="94107")
REFCANCEL = story(16, "RefundCancel", 2600, "acct_bob", "Bob Ñandú", "bob@example.com", postal="10001")
DISPAMT = story(17, "DispAmount", 6000, "acct_alice", "Alice Example", "alice@example.com", postal="94107")
INQUIRY = story(18, "Inquiry", 3500, "acct_alice", "Alice Example", "alice@example.com", postal="94107")
LEGACY = story(19, "Legacy", 2000, "acct_bob", "Zoë Ångström", "bob@example.com", postal="10001")
LEGACY_API_VERSION = "2022-08-01"  # the last version whose charges embed their refunds (2022-11-15 stopped)

RE_A = {"id": sid("re", "RefundA"), "tag": "RefundA", "amount": 300, "arn": "74987505173000012345678"}
RE_B = {"id": sid("re", "RefundB"), "tag": "RefundB", "amount": 700}
RE_C = {"id": sid("re", "RefundC"), "tag": "RefundC", "amount": 1500}
RE_D = {"id": sid("re", "RefundD"), "tag": "RefundD", "amount": 500}
RE_P = {"id": sid("re", "RefundPark"), "tag": "RefundPark", "amount": 1600}
RE_E = {"id": sid("re", "RefundE"), "tag": "RefundE", "amount": 1000, "failure_reason": "expired_or_canceled_card"}
RE_G = {"id": sid("re", "RefundG"), "tag": "RefundG", "amount": 800}
RE_H = {"id": sid("re", "RefundH"), "tag": "RefundH", "amount": 600, "arn": "74987505173000098765432"}
RE_K = {"id": sid("re", "RefundGhost"), "tag": "RefundGhost", "amount": 700}
DP_1 = {"id": sid("dp", "DisputeWon", lead="1R"), "amount": 5000, "reason": "fraudulent",
        "network_reason_code": "10.4"}
DP_2 = {"id": sid("dp", "DisputeLost", lead="1R"), "amount": 3000, "reason": "product_not_received",
        "network_reason_code": "13.1"}
DP_3 = {"id": sid("dp", "DisputeAmount", lead="1R"), "amount": 6000, "reason": "fraudulent",
        "network_reason_code": "10.4"}
DP_4 = {"id": sid("dp", "DisputeInquiry", lead="1R"), "amount": 3500, "reason": "general",
        "network_reason_code": "10.4"}

FIXTURES = {}  # file name -> event dict, in creation order


def event(name, etype, obj, created, tag, request=(None, None), previous=None, pending=1,
          livemode=False, api_version=API_VERSION):
    data = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    FIXTURES[name] = {
        "id": sid("evt", tag, lead="3R" if not etype.startswith("checkout") else "1R"),
        "object": "event",
        "api_version": api_version,
        "created": created,
        "data": data,
        "livemode": livemode,
        "pending_webhooks": pending,
        "request": {"id": request[0], "idempotency_key": request[1]},
        "type": etype,
    }


def api_request(tag):
    return (sid("req", tag, length=14, lead=""), uuid(tag))


def checkout_request(tag):
    # Confirmation from the hosted Checkout page: a request id, an idempotency key from Stripe.js.
    return (sid("req", tag, length=14, lead=""), f"stripe-js-{uuid(tag)}")


# happy: Alice pays 20.00 by card through Checkout; both the session and the PI announce it.
p = HAPPY
event("happy.payment_intent.created.json", "payment_intent.created",
      payment_intent(p, p["t"] + 40, status="requires_payment_method"), p["t"] + 40, "HappyPiNew",
      request=checkout_request("HappyConfirm"))
event("happy.charge.succeeded.json", "charge.succeeded", charge(p, p["t"] + 41), p["t"] + 42,
      "HappyChOk", request=checkout_request("HappyConfirm"))
event("happy.payment_intent.succeeded.json", "payment_intent.succeeded",
      payment_intent(p, p["t"] + 40), p["t"] + 42, "HappyPiOk", request=checkout_request("HappyConfirm"))
event("happy.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", p["t"]), p["t"] + 43, "HappyCsDone")

# async: Bob pays 15.00 by ACH debit; the session completes unpaid, the debit clears later.
p = ASYNC
event("async.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "unpaid", p["t"]), p["t"] + 95, "AsyncCsDone")
event("async.checkout.session.async_payment_succeeded.json", "checkout.session.async_payment_succeeded",
      checkout_session(p, "complete", "paid", p["t"]), p["t"] + 4 * 86400, "AsyncCsPaid")

# asyncfail: Bob's 42.00 ACH debit bounces.
p = ASYNCFAIL
event("asyncfail.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "unpaid", p["t"]), p["t"] + 80, "AsyncFailCsDone")
event("asyncfail.checkout.session.async_payment_failed.json", "checkout.session.async_payment_failed",
      checkout_session(p, "complete", "unpaid", p["t"]), p["t"] + 3 * 86400, "AsyncFailCsFail")

# expired: Alice tried a card (declined, so the session has a PaymentIntent) and walked away.
p = EXPIRED
event("expired.checkout.session.expired.json", "checkout.session.expired",
      checkout_session(p, "expired", "unpaid", p["t"]), p["t"] + 86400 + 7, "ExpiredCs")

# expired-no-pi: a session nobody tried to pay; payment-mode sessions create their
# PaymentIntent lazily, so payment_intent is null and there is no payment to close.
p = EXPIREDNOPI
event("expired-no-pi.checkout.session.expired.json", "checkout.session.expired",
      checkout_session(p, "expired", "unpaid", p["t"], with_pi=False, customer_details=False),
      p["t"] + 86400 + 5, "NoPICs")

# eur: a session in EUR (someone created it with the wrong currency): parked.
p = EUR
event("eur.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", p["t"]), p["t"] + 60, "EurCsDone")

# ghost: the session names an account the gateway does not have: parked.
p = GHOST
event("ghost.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", p["t"]), p["t"] + 52, "GhostCsDone")

# noaccount: neither the session nor the PaymentIntent carries an account: parked.
p = NOACCT
event("noaccount.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", p["t"]), p["t"] + 47, "NoAcctCsDone")
event("noaccount.payment_intent.succeeded.json", "payment_intent.succeeded",
      payment_intent(p, p["t"] + 30), p["t"] + 46, "NoAcctPiOk", request=checkout_request("NoAcctConfirm"))

# live: a live-mode event reaching a test-mode gateway: parked, never applied.
p = LIVE
event("live.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", p["t"], livemode=True), p["t"] + 44, "LiveCsDone",
      livemode=True)

# refunds: Alice pays 25.00; refunds of 3.00 (A), 7.00 (B, pending first) and 15.00 (C).
p = REFUNDS
t = p["t"]
event("refunds.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", t), t + 50, "RefundsCsDone")
ta, tb, tc = t + 2 * 86400, t + 5 * 86400, t + 9 * 86400
event("refunds.refund.created.a.json", "refund.created", refund(p, {**RE_A, "arn": None}, ta, "succeeded"),
      ta, "RefundACreated", request=api_request("RefundA"))
event("refunds.charge.refunded.1.json", "charge.refunded", charge(p, t + 45, amount_refunded=300),
      ta, "RefundsCh300", request=api_request("RefundA"), previous={"amount_refunded": 0})
event("refunds.refund.updated.a.json", "refund.updated", refund(p, RE_A, ta, "succeeded"), ta + 2 * 86400,
      "RefundAUpdated", previous={"destination_details": {"card": {"reference": None,
                                                                    "reference_status": "pending"}}})
event("refunds.refund.created.b.json", "refund.created", refund(p, RE_B, tb, "pending"),
      tb, "RefundBCreated", request=api_request("RefundB"))
event("refunds.charge.refunded.2.json", "charge.refunded", charge(p, t + 45, amount_refunded=1000),
      tb, "RefundsCh1000", request=api_request("RefundB"), previous={"amount_refunded": 300})
event("refunds.refund.updated.b.json", "refund.updated", refund(p, RE_B, tb, "succeeded"), tb + 3600,
      "RefundBUpdated", previous={"status": "pending"})
event("refunds.refund.created.c.json", "refund.created", refund(p, RE_C, tc, "succeeded"),
      tc, "RefundCCreated", request=api_request("RefundC"))
event("refunds.charge.refunded.3.json", "charge.refunded", charge(p, t + 45, amount_refunded=2500),
      tc, "RefundsCh2500", request=api_request("RefundC"),
      previous={"amount_refunded": 1000, "refunded": False})

# early: Bob pays 12.00 through a PaymentIntent (no Checkout); a 5.00 refund's events are
# delivered before the payment's (Stripe does not order deliveries).
p = EARLY
t = p["t"]
event("early.payment_intent.succeeded.json", "payment_intent.succeeded", payment_intent(p, t),
      t + 3, "EarlyPiOk", request=api_request("EarlyConfirm"))
tr = t + 600
event("early.refund.created.json", "refund.created", refund(p, RE_D, tr, "succeeded"), tr,
      "RefundDCreated", request=api_request("RefundD"))
event("early.charge.refunded.json", "charge.refunded", charge(p, t + 2, amount_refunded=500), tr,
      "EarlyCh500", request=api_request("RefundD"), previous={"amount_refunded": 0})

# dispute-won: Alice pays 50.00, the cardholder disputes it, we win.
p = DISPWON
t = p["t"]
event("dispute-won.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", t), t + 55, "DispWonCsDone")
td, tw = t + 12 * 86400, t + 40 * 86400
withdrawal = balance_txn("DispWonOut", -5000, 1500, td, DP_1["id"], f"Chargeback withdrawal for {p['ch']}")
reinstated = balance_txn("DispWonBack", 5000, 0, tw, DP_1["id"], f"Chargeback reversal for {p['ch']}")
evidence = "Customer topped up their own wallet; login and 3DS records attached."
event("dispute-won.charge.dispute.created.json", "charge.dispute.created",
      dispute(p, DP_1, td, "needs_response", [withdrawal]), td, "DispWonNew")
event("dispute-won.charge.dispute.funds_withdrawn.json", "charge.dispute.funds_withdrawn",
      dispute(p, DP_1, td, "needs_response", [withdrawal]), td + 1, "DispWonOut")
event("dispute-won.charge.dispute.funds_reinstated.json", "charge.dispute.funds_reinstated",
      dispute(p, DP_1, td, "won", [withdrawal, reinstated], evidence), tw, "DispWonBack")
event("dispute-won.charge.dispute.closed.json", "charge.dispute.closed",
      dispute(p, DP_1, td, "won", [withdrawal, reinstated], evidence), tw, "DispWonClosed",
      previous={"status": "under_review"})

# dispute-lost: Bob pays 30.00, disputes it, does not answer, loses.
p = DISPLOST
t = p["t"]
event("dispute-lost.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", t), t + 61, "DispLostCsDone")
td, tl = t + 9 * 86400, t + 31 * 86400
withdrawal = balance_txn("DispLostOut", -3000, 1500, td, DP_2["id"], f"Chargeback withdrawal for {p['ch']}")
event("dispute-lost.charge.dispute.created.json", "charge.dispute.created",
      dispute(p, DP_2, td, "needs_response", []), td, "DispLostNew")
event("dispute-lost.charge.dispute.funds_withdrawn.json", "charge.dispute.funds_withdrawn",
      dispute(p, DP_2, td, "needs_response", [withdrawal]), td + 1, "DispLostOut")
event("dispute-lost.charge.dispute.closed.json", "charge.dispute.closed",
      dispute(p, DP_2, td, "lost", [withdrawal]), tl, "DispLostClosed",
      previous={"status": "needs_response"})

# ghost (continued): the platform refunds 7.00 of the misrouted payment while it is parked.
p = GHOST
tr = p["t"] + 2 * 86400
event("ghost.refund.created.json", "refund.created", refund(p, RE_K, tr, "succeeded"), tr,
      "RefundGhostCreated", request=api_request("RefundGhost"))

# parked-refund: Alice pays 16.00; the session names no account, the PaymentIntent does. The
# payment is refunded in full two hours later.
p = PARKREF
t = p["t"]
event("parked-refund.payment_intent.succeeded.json", "payment_intent.succeeded", payment_intent(p, t + 20),
      t + 49, "ParkRefundPiOk", request=checkout_request("ParkRefundConfirm"))
event("parked-refund.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", t), t + 50, "ParkRefundCsDone")
tr = t + 2 * 3600
event("parked-refund.refund.created.json", "refund.created", refund(p, RE_P, tr, "succeeded"), tr,
      "RefundParkCreated", request=api_request("RefundPark"))
event("parked-refund.charge.refunded.json", "charge.refunded", charge(p, t + 48, amount_refunded=1600), tr,
      "ParkRefundCh1600", request=api_request("RefundPark"),
      previous={"amount_refunded": 0, "refunded": False})

# refund-failed: Alice pays 40.00; a 10.00 refund succeeds, then fails (the card was closed):
# Stripe returns the funds to the platform balance.
p = REFFAIL
t = p["t"]
event("refund-failed.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", t), t + 57, "RefundFailCsDone")
tr = t + 86400
event("refund-failed.refund.created.json", "refund.created", refund(p, RE_E, tr, "succeeded"), tr,
      "RefundECreated", request=api_request("RefundE"))
event("refund-failed.refund.failed.json", "refund.failed", refund(p, RE_E, tr, "failed"), tr + 3 * 86400,
      "RefundEFailed", previous={"status": "succeeded"})

# refund-canceled: Bob pays 26.00; an 8.00 refund is created pending and canceled before it
# completes (announced by charge.refund.updated, whose object is the refund).
p = REFCANCEL
t = p["t"]
event("refund-canceled.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", t), t + 63, "RefundCancelCsDone")
tr = t + 86400
event("refund-canceled.refund.created.json", "refund.created", refund(p, RE_G, tr, "pending"), tr,
      "RefundGCreated", request=api_request("RefundG"))
event("refund-canceled.charge.refund.updated.json", "charge.refund.updated", refund(p, RE_G, tr, "canceled"),
      tr + 1800, "RefundGCanceled", request=api_request("RefundGCancel"), previous={"status": "pending"})

# dispute-amount: Alice pays 60.00; a 60.00 chargeback is withdrawn, then won, but the closed
# event reports the dispute amount as 45.00.
p = DISPAMT
t = p["t"]
event("dispute-amount.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", t), t + 58, "DispAmountCsDone")
td, tw = t + 10 * 86400, t + 45 * 86400
withdrawal = balance_txn("DispAmountOut", -6000, 1500, td, DP_3["id"], f"Chargeback withdrawal for {p['ch']}")
reinstated = balance_txn("DispAmountBack", 6000, 0, tw, DP_3["id"], f"Chargeback reversal for {p['ch']}")
evidence = "Customer topped up their own wallet; 3DS authentication record attached."
event("dispute-amount.charge.dispute.created.json", "charge.dispute.created",
      dispute(p, DP_3, td, "needs_response", [withdrawal]), td, "DispAmountNew")
event("dispute-amount.charge.dispute.funds_withdrawn.json", "charge.dispute.funds_withdrawn",
      dispute(p, DP_3, td, "needs_response", [withdrawal]), td + 1, "DispAmountOut")
event("dispute-amount.charge.dispute.closed.json", "charge.dispute.closed",
      dispute(p, {**DP_3, "amount": 4500}, td, "won", [withdrawal, reinstated], evidence), tw,
      "DispAmountClosed", previous={"status": "under_review"})

# inquiry: Alice pays 35.00; the issuer opens an inquiry (no funds withdrawn), which closes
# without becoming a chargeback.
p = INQUIRY
t = p["t"]
event("inquiry.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", t), t + 51, "InquiryCsDone")
td, tc = t + 6 * 86400, t + 20 * 86400
event("inquiry.charge.dispute.created.json", "charge.dispute.created",
      dispute(p, DP_4, td, "warning_needs_response", [], case_type="inquiry"), td, "InquiryNew")
event("inquiry.charge.dispute.closed.json", "charge.dispute.closed",
      dispute(p, DP_4, td, "warning_closed", [], case_type="inquiry"), tc, "InquiryClosed",
      previous={"status": "warning_needs_response"})

# legacy: an endpoint pinned to API version 2022-08-01. Bob pays 20.00 and gets 6.00 back; the
# charge in charge.refunded embeds its refunds, and refund.updated later adds the ARN.
p = LEGACY
t = p["t"]
v = LEGACY_API_VERSION
event("legacy.checkout.session.completed.json", "checkout.session.completed",
      checkout_session(p, "complete", "paid", t), t + 54, "LegacyCsDone", api_version=v)
tr = t + 3 * 86400
event("legacy.charge.refunded.json", "charge.refunded",
      charge(p, t + 53, amount_refunded=600, refunds=[refund(p, {**RE_H, "arn": None}, tr, "succeeded")]),
      tr, "LegacyCh600", request=api_request("RefundH"), previous={"amount_refunded": 0}, api_version=v)
event("legacy.refund.updated.json", "refund.updated", refund(p, RE_H, tr, "succeeded"), tr + 2 * 86400,
      "RefundHUpdated", previous={"destination_details": {"card": {"reference": None,
                                                                    "reference_status": "pending"}}},
      api_version=v)


# ---------------------------------------------------------------------------------------------
# Scenarios: expectations typed by hand (see README "Balance math"); check_fixtures.py
# recomputes them with gateway_model.py.

PI = {s["tag"]: s["pi"] for s in [HAPPY, ASYNC, ASYNCFAIL, EXPIRED, EUR, GHOST, NOACCT, LIVE,
                                  REFUNDS, EARLY, DISPWON, DISPLOST, PARKREF, REFFAIL, REFCANCEL,
                                  DISPAMT, INQUIRY, LEGACY]}
ALL = ["acct_alice", "acct_bob"]


def credit(acct, tag, cents):
    return {"account": acct, "key": f"stripe:{PI[tag]}", "amount": cents}


def entry(acct, key, cents):
    return {"account": acct, "key": key, "amount": cents}


HAPPY_CS = "happy.checkout.session.completed.json"
HAPPY_PI = "happy.payment_intent.succeeded.json"
R = "refunds."

SCENARIOS = {
    "01-happy-checkout": {
        "description": "Alice pays 20.00 through Checkout; checkout.session.completed (paid) credits 2000 "
                       "under stripe:<pi>.",
        "accounts": ALL,
        "deliveries": [HAPPY_CS],
        "expect": {"balances": {"acct_alice": 2000, "acct_bob": 0},
                   "payments": {PI["Happy"]: "succeeded"},
                   "entries": [credit("acct_alice", "Happy", 2000)]},
    },
    "02-checkout-then-payment-intent": {
        "description": "The same payment announced by checkout.session.completed, then payment_intent.succeeded "
                       "(same pi): credited once.",
        "accounts": ALL,
        "deliveries": [HAPPY_CS, HAPPY_PI],
        "expect": {"balances": {"acct_alice": 2000, "acct_bob": 0},
                   "payments": {PI["Happy"]: "succeeded"},
                   "entries": [credit("acct_alice", "Happy", 2000)]},
    },
    "03-payment-intent-then-checkout": {
        "description": "payment_intent.succeeded arrives before checkout.session.completed for the same pi: "
                       "the PI credits amount_received, the session is a no-op.",
        "accounts": ALL,
        "deliveries": [HAPPY_PI, HAPPY_CS],
        "expect": {"balances": {"acct_alice": 2000, "acct_bob": 0},
                   "payments": {PI["Happy"]: "succeeded"},
                   "entries": [credit("acct_alice", "Happy", 2000)]},
    },
    "04-unpaid-then-async-success": {
        "description": "Bob's ACH session completes unpaid (payment pending, nothing credited); "
                       "checkout.session.async_payment_succeeded credits 1500.",
        "accounts": ALL,
        "deliveries": ["async.checkout.session.completed.json",
                       "async.checkout.session.async_payment_succeeded.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 1500},
                   "payments": {PI["Async"]: "succeeded"},
                   "entries": [credit("acct_bob", "Async", 1500)]},
    },
    "05-unpaid-only-pending": {
        "description": "Only the unpaid completion has arrived: the payment is pending, nothing is credited.",
        "accounts": ALL,
        "deliveries": ["async.checkout.session.completed.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["Async"]: "pending"},
                   "entries": []},
    },
    "06-async-failed": {
        "description": "Bob's ACH session completes unpaid, then checkout.session.async_payment_failed: "
                       "the pending payment is closed as failed, never credited.",
        "accounts": ALL,
        "deliveries": ["asyncfail.checkout.session.completed.json",
                       "asyncfail.checkout.session.async_payment_failed.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["AsyncFail"]: "failed"},
                   "entries": []},
    },
    "07-expired": {
        "description": "checkout.session.expired for a session whose PaymentIntent exists (a declined card "
                       "attempt): the payment is recorded as expired, never credited.",
        "accounts": ALL,
        "deliveries": ["expired.checkout.session.expired.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["Expired"]: "expired"},
                   "entries": []},
    },
    "08-expired-without-payment-intent": {
        "description": "checkout.session.expired with payment_intent null (nobody tried to pay): there is no "
                       "payment key, so no payment is recorded; the event is stored and answered 200.",
        "accounts": ALL,
        "deliveries": ["expired-no-pi.checkout.session.expired.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {},
                   "entries": []},
    },
    "09-duplicate-delivery-x3": {
        "description": "The same checkout.session.completed delivered three times (same evt_ id): the second "
                       "and third are no-ops.",
        "accounts": ALL,
        "deliveries": [HAPPY_CS, HAPPY_CS, HAPPY_CS],
        "expect": {"balances": {"acct_alice": 2000, "acct_bob": 0},
                   "payments": {PI["Happy"]: "succeeded"},
                   "entries": [credit("acct_alice", "Happy", 2000)]},
    },
    "10-refund-before-payment": {
        "description": "refund.created (500, succeeded) and charge.refunded for Bob's 12.00 PaymentIntent arrive "
                       "before payment_intent.succeeded: they are recorded, and when the payment is credited its "
                       "whole net is applied at once (the credit, then the refund's debit under its re_ id). "
                       "charge.refunded moves nothing. 1200 - 500 = 700.",
        "accounts": ALL,
        "deliveries": ["early.refund.created.json", "early.charge.refunded.json",
                       "early.payment_intent.succeeded.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 700},
                   "payments": {PI["Early"]: "partially_refunded"},
                   "entries": [credit("acct_bob", "Early", 1200),
                               entry("acct_bob", f"stripe:{RE_D['id']}", -500)]},
    },
    "11-two-partial-refunds": {
        "description": "25.00 payment; charge.refunded with amount_refunded 300 then 1000 (cumulative), each "
                       "followed by its refund.* events. charge.refunded never moves money (amount_refunded is "
                       "display only); each refund debits under stripe:<re> when its object says succeeded: A on "
                       "refund.created, B (created pending) on refund.updated. 2500 - 300 - 700 = 1500.",
        "accounts": ALL,
        "deliveries": [R + "checkout.session.completed.json", R + "charge.refunded.1.json",
                       R + "refund.created.a.json", R + "refund.updated.a.json", R + "refund.created.b.json",
                       R + "charge.refunded.2.json", R + "refund.updated.b.json"],
        "expect": {"balances": {"acct_alice": 1500, "acct_bob": 0},
                   "payments": {PI["Refunds"]: "partially_refunded"},
                   "entries": [credit("acct_alice", "Refunds", 2500),
                               entry("acct_alice", f"stripe:{RE_A['id']}", -300),
                               entry("acct_alice", f"stripe:{RE_B['id']}", -700)]},
    },
    "12-partial-then-full-refund": {
        "description": "25.00 payment refunded 3.00, 7.00 (pending, then succeeded), then the remaining 15.00; "
                       "each refund debits under its re_ id when it succeeds, and the charge.refunded events "
                       "between them move nothing. 2500 - 300 - 700 - 1500 = 0.",
        "accounts": ALL,
        "deliveries": [R + "checkout.session.completed.json", R + "refund.created.a.json",
                       R + "charge.refunded.1.json", R + "refund.created.b.json", R + "refund.updated.b.json",
                       R + "charge.refunded.2.json", R + "refund.created.c.json", R + "charge.refunded.3.json",
                       R + "refund.updated.a.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["Refunds"]: "refunded"},
                   "entries": [credit("acct_alice", "Refunds", 2500),
                               entry("acct_alice", f"stripe:{RE_A['id']}", -300),
                               entry("acct_alice", f"stripe:{RE_B['id']}", -700),
                               entry("acct_alice", f"stripe:{RE_C['id']}", -1500)]},
    },
    "13-refund-events-reversed": {
        "description": "The cumulative charge.refunded 1000 arrives before the older 300 one, and the refund "
                       "objects after both: the charge events move nothing; refund A debits 300 on its created "
                       "(succeeded), refund B 700 on its update to succeeded. 2500 - 1000 = 1500.",
        "accounts": ALL,
        "deliveries": [R + "checkout.session.completed.json", R + "charge.refunded.2.json",
                       R + "charge.refunded.1.json", R + "refund.created.b.json", R + "refund.created.a.json",
                       R + "refund.updated.b.json", R + "refund.updated.a.json"],
        "expect": {"balances": {"acct_alice": 1500, "acct_bob": 0},
                   "payments": {PI["Refunds"]: "partially_refunded"},
                   "entries": [credit("acct_alice", "Refunds", 2500),
                               entry("acct_alice", f"stripe:{RE_A['id']}", -300),
                               entry("acct_alice", f"stripe:{RE_B['id']}", -700)]},
    },
    "14-pending-refund-not-debited": {
        "description": "refund.created with status pending moves nothing; refund.updated to succeeded debits "
                       "700 under the refund id. 2500 - 700 = 1800.",
        "accounts": ALL,
        "deliveries": [R + "checkout.session.completed.json", R + "refund.created.b.json",
                       R + "refund.updated.b.json"],
        "expect": {"balances": {"acct_alice": 1800, "acct_bob": 0},
                   "payments": {PI["Refunds"]: "partially_refunded"},
                   "entries": [credit("acct_alice", "Refunds", 2500),
                               entry("acct_alice", f"stripe:{RE_B['id']}", -700)]},
    },
    "15-dispute-won": {
        "description": "Alice's 50.00 payment is disputed and won, in Stripe's order: charge.dispute.created "
                       "records the dispute, funds_withdrawn debits 5000, funds_reinstated credits it back under "
                       ":reversal, closed(won) adds nothing. 5000 - 5000 + 5000 = 5000.",
        "accounts": ALL,
        "deliveries": ["dispute-won.checkout.session.completed.json", "dispute-won.charge.dispute.created.json",
                       "dispute-won.charge.dispute.funds_withdrawn.json",
                       "dispute-won.charge.dispute.funds_reinstated.json",
                       "dispute-won.charge.dispute.closed.json"],
        "expect": {"balances": {"acct_alice": 5000, "acct_bob": 0},
                   "payments": {PI["DispWon"]: "dispute_won"},
                   "entries": [credit("acct_alice", "DispWon", 5000),
                               entry("acct_alice", f"stripe:{DP_1['id']}", -5000),
                               entry("acct_alice", f"stripe:{DP_1['id']}:reversal", 5000)]},
    },
    "16-dispute-open": {
        "description": "Only charge.dispute.created has arrived: the payment shows disputed, but nothing is "
                       "debited. Stripe takes the funds with charge.dispute.funds_withdrawn (a chargeback), and "
                       "inquiries never take any, so created alone records the dispute and moves no money. 5000.",
        "accounts": ALL,
        "deliveries": ["dispute-won.checkout.session.completed.json", "dispute-won.charge.dispute.created.json"],
        "expect": {"balances": {"acct_alice": 5000, "acct_bob": 0},
                   "payments": {PI["DispWon"]: "disputed"},
                   "entries": [credit("acct_alice", "DispWon", 5000)]},
    },
    "17-dispute-lost": {
        "description": "Bob's 30.00 payment: charge.dispute.created records the dispute, funds_withdrawn debits "
                       "3000, closed(lost) adds nothing (a lost dispute keeps holding what was withdrawn). "
                       "3000 - 3000 = 0.",
        "accounts": ALL,
        "deliveries": ["dispute-lost.checkout.session.completed.json", "dispute-lost.charge.dispute.created.json",
                       "dispute-lost.charge.dispute.funds_withdrawn.json",
                       "dispute-lost.charge.dispute.closed.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["DispLost"]: "dispute_lost"},
                   "entries": [credit("acct_bob", "DispLost", 3000),
                               entry("acct_bob", f"stripe:{DP_2['id']}", -3000)]},
    },
    "18-non-usd-parked": {
        "description": "A paid session in EUR: parked (unsupported_currency), never credited.",
        "accounts": ALL,
        "deliveries": ["eur.checkout.session.completed.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["Eur"]: "parked"},
                   "parked_reasons": {PI["Eur"]: "unsupported_currency"},
                   "entries": []},
    },
    "19-unknown-account-parked": {
        "description": "A paid session for acct_ghost, which the gateway does not have: parked "
                       "(unknown_account).",
        "accounts": ALL,
        "deliveries": ["ghost.checkout.session.completed.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["Ghost"]: "parked"},
                   "parked_reasons": {PI["Ghost"]: "unknown_account"},
                   "entries": []},
    },
    "20-missing-account-parked": {
        "description": "Neither the PaymentIntent metadata nor the session (client_reference_id, metadata) names "
                       "an account: parked (missing_account) on the session; missing_account is re-evaluated on "
                       "every later event, and payment_intent.succeeded names none either, so it stays parked.",
        "accounts": ALL,
        "deliveries": ["noaccount.checkout.session.completed.json", "noaccount.payment_intent.succeeded.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["NoAcct"]: "parked"},
                   "parked_reasons": {PI["NoAcct"]: "missing_account"},
                   "entries": []},
    },
    "21-livemode-mismatch-parked": {
        "description": "A livemode:true event reaching the test-mode gateway (STRIPE_LIVEMODE=false): parked "
                       "(livemode_mismatch), never applied, even though the account and currency are fine.",
        "accounts": ALL,
        "deliveries": ["live.checkout.session.completed.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["Live"]: "parked"},
                   "parked_reasons": {PI["Live"]: "livemode_mismatch"},
                   "entries": []},
    },
    "22-unhandled-types-ignored": {
        "description": "payment_intent.created and charge.succeeded are answered 200 and only counted: no "
                       "payment, no money.",
        "accounts": ALL,
        "deliveries": ["happy.payment_intent.created.json", "happy.charge.succeeded.json",
                       "happy.charge.succeeded.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {},
                   "unhandled": {"payment_intent.created": 1, "charge.succeeded": 1},
                   "entries": []},
    },
    "23-redelivered-refunds-and-disputes": {
        "description": "Refund and dispute events re-delivered (same evt_ ids): repeats are no-ops. "
                       "charge.refunded moves nothing; refund A debits 300 under its re_ id; the dispute debits "
                       "once, on funds_withdrawn. Alice 2500 - 300 = 2200; Bob 3000 - 3000 = 0.",
        "accounts": ALL,
        "deliveries": [R + "checkout.session.completed.json", R + "charge.refunded.1.json",
                       R + "charge.refunded.1.json", R + "refund.created.a.json", R + "charge.refunded.1.json",
                       R + "refund.created.a.json",
                       "dispute-lost.checkout.session.completed.json", "dispute-lost.charge.dispute.created.json",
                       "dispute-lost.charge.dispute.created.json",
                       "dispute-lost.charge.dispute.funds_withdrawn.json",
                       "dispute-lost.charge.dispute.closed.json", "dispute-lost.charge.dispute.closed.json"],
        "expect": {"balances": {"acct_alice": 2200, "acct_bob": 0},
                   "payments": {PI["Refunds"]: "partially_refunded", PI["DispLost"]: "dispute_lost"},
                   "entries": [credit("acct_alice", "Refunds", 2500),
                               entry("acct_alice", f"stripe:{RE_A['id']}", -300),
                               credit("acct_bob", "DispLost", 3000),
                               entry("acct_bob", f"stripe:{DP_2['id']}", -3000)]},
    },
}

PR = "parked-refund."
RF = "refund-failed."


def re_key(r, suffix=""):
    return f"stripe:{r['id']}{suffix}"


SCENARIOS.update({
    "25-refund-while-parked": {
        "description": "Follow-ups recorded while parked count once the payment is credited. The session names "
                       "no account (parked missing_account); a refund of the whole 16.00 succeeds and "
                       "charge.refunded follows, both recorded; payment_intent.succeeded then names acct_alice, "
                       "missing_account is re-evaluated and the payment is credited with its whole net at once: "
                       "+1600 under stripe:<pi>, -1600 under stripe:<re>. 1600 - 1600 = 0.",
        "accounts": ALL,
        "deliveries": [PR + "checkout.session.completed.json", PR + "refund.created.json",
                       PR + "charge.refunded.json", PR + "payment_intent.succeeded.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["ParkRefund"]: "refunded"},
                   "entries": [credit("acct_alice", "ParkRefund", 1600), entry("acct_alice", re_key(RE_P), -1600)]},
    },
    "26-refund-after-credit-same-net": {
        "description": "Scenario 25's events with payment_intent.succeeded first: credited at once, then the "
                       "refund debits when it arrives. Same entries and net as 25: the result depends on the "
                       "facts, not on their order. 1600 - 1600 = 0.",
        "accounts": ALL,
        "deliveries": [PR + "payment_intent.succeeded.json", PR + "checkout.session.completed.json",
                       PR + "refund.created.json", PR + "charge.refunded.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["ParkRefund"]: "refunded"},
                   "entries": [credit("acct_alice", "ParkRefund", 1600), entry("acct_alice", re_key(RE_P), -1600)]},
    },
    "27-refund-succeeded-then-failed": {
        "description": "A 10.00 refund of a 40.00 payment is created succeeded (debit 1000 under stripe:<re>), "
                       "then refund.failed: failed ranks above succeeded, so the debit is returned once under "
                       "stripe:<re>:failed. Net 4000, status succeeded (no succeeded refund left).",
        "accounts": ALL,
        "deliveries": [RF + "checkout.session.completed.json", RF + "refund.created.json", RF + "refund.failed.json"],
        "expect": {"balances": {"acct_alice": 4000, "acct_bob": 0},
                   "payments": {PI["RefundFail"]: "succeeded"},
                   "unhandled": {},
                   "entries": [credit("acct_alice", "RefundFail", 4000), entry("acct_alice", re_key(RE_E), -1000),
                               entry("acct_alice", re_key(RE_E, ":failed"), 1000)]},
    },
    "28-refund-failed-before-created": {
        "description": "Scenario 27's refund events in reverse order: refund.failed first keeps the refund "
                       "failed, and the late refund.created (succeeded, lower rank) does not replace it: a refund "
                       "seen failed before any succeeded never debits. No refund entries; 4000.",
        "accounts": ALL,
        "deliveries": [RF + "checkout.session.completed.json", RF + "refund.failed.json", RF + "refund.created.json"],
        "expect": {"balances": {"acct_alice": 4000, "acct_bob": 0},
                   "payments": {PI["RefundFail"]: "succeeded"},
                   "unhandled": {},
                   "entries": [credit("acct_alice", "RefundFail", 4000)]},
    },
    "29-pending-refund-canceled": {
        "description": "An 8.00 refund created pending, then canceled, announced by charge.refund.updated (a "
                       "handled type whose object is the refund): pending and canceled never debit. 2600.",
        "accounts": ALL,
        "deliveries": ["refund-canceled.checkout.session.completed.json", "refund-canceled.refund.created.json",
                       "refund-canceled.charge.refund.updated.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 2600},
                   "payments": {PI["RefundCancel"]: "succeeded"},
                   "unhandled": {},
                   "entries": [credit("acct_bob", "RefundCancel", 2600)]},
    },
    "30-dispute-won-amount-differs": {
        "description": "A 60.00 chargeback: funds_withdrawn debits 6000 (the withdrawn event's amount); "
                       "closed(won) reports the dispute at 45.00, but the reversal returns what was debited, "
                       "6000, never the closed event's amount. 6000 - 6000 + 6000 = 6000.",
        "accounts": ALL,
        "deliveries": ["dispute-amount.checkout.session.completed.json", "dispute-amount.charge.dispute.created.json",
                       "dispute-amount.charge.dispute.funds_withdrawn.json",
                       "dispute-amount.charge.dispute.closed.json"],
        "expect": {"balances": {"acct_alice": 6000, "acct_bob": 0},
                   "payments": {PI["DispAmount"]: "dispute_won"},
                   "entries": [credit("acct_alice", "DispAmount", 6000),
                               entry("acct_alice", f"stripe:{DP_3['id']}", -6000),
                               entry("acct_alice", f"stripe:{DP_3['id']}:reversal", 6000)]},
    },
    "31-dispute-lost-without-withdrawal": {
        "description": "Bob's dispute closes lost but its funds_withdrawn event is never delivered: a lost "
                       "dispute holds money by itself, so closed(lost) debits the dispute's 3000. "
                       "3000 - 3000 = 0.",
        "accounts": ALL,
        "deliveries": ["dispute-lost.checkout.session.completed.json", "dispute-lost.charge.dispute.created.json",
                       "dispute-lost.charge.dispute.closed.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["DispLost"]: "dispute_lost"},
                   "entries": [credit("acct_bob", "DispLost", 3000),
                               entry("acct_bob", f"stripe:{DP_2['id']}", -3000)]},
    },
    "32-inquiry-moves-no-money": {
        "description": "An inquiry (case_type inquiry): charge.dispute.created with warning_needs_response, then "
                       "closed with warning_closed. Inquiries are never withdrawn or lost, so no money moves; "
                       "warning_closed counts as won, so the payment shows dispute_won. 3500.",
        "accounts": ALL,
        "deliveries": ["inquiry.checkout.session.completed.json", "inquiry.charge.dispute.created.json",
                       "inquiry.charge.dispute.closed.json"],
        "expect": {"balances": {"acct_alice": 3500, "acct_bob": 0},
                   "payments": {PI["Inquiry"]: "dispute_won"},
                   "entries": [credit("acct_alice", "Inquiry", 3500)]},
    },
    "33-legacy-embedded-refunds": {
        "description": "An endpoint on API version 2022-08-01: charge.refunded's charge embeds its refunds "
                       "(refunds.data[]); the embedded succeeded refund debits 600 under stripe:<re>, and the "
                       "later refund.updated of the same refund adds nothing (36: the embedded refund alone). "
                       "2000 - 600 = 1400.",
        "accounts": ALL,
        "deliveries": ["legacy.checkout.session.completed.json", "legacy.charge.refunded.json",
                       "legacy.refund.updated.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 1400},
                   "payments": {PI["Legacy"]: "partially_refunded"},
                   "entries": [credit("acct_bob", "Legacy", 2000), entry("acct_bob", re_key(RE_H), -600)]},
    },
    "36-legacy-charge-refunded-alone": {
        "description": "Scenario 33 without the refund.updated: the refund embedded in the 2022-08-01 "
                       "charge.refunded is a refund object like any other and debits its 600 by itself "
                       "(charge.refunded's amount_refunded still moves nothing). 2000 - 600 = 1400.",
        "accounts": ALL,
        "deliveries": ["legacy.checkout.session.completed.json", "legacy.charge.refunded.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 1400},
                   "payments": {PI["Legacy"]: "partially_refunded"},
                   "entries": [credit("acct_bob", "Legacy", 2000), entry("acct_bob", re_key(RE_H), -600)]},
    },
    "34-missing-account-resolved": {
        "description": "missing_account is not final: the session names no account (parked), then "
                       "payment_intent.succeeded names acct_alice, which exists, and the payment is credited. "
                       "1600.",
        "accounts": ALL,
        "deliveries": [PR + "checkout.session.completed.json", PR + "payment_intent.succeeded.json"],
        "expect": {"balances": {"acct_alice": 1600, "acct_bob": 0},
                   "payments": {PI["ParkRefund"]: "succeeded"},
                   "entries": [credit("acct_alice", "ParkRefund", 1600)]},
    },
    "35-unknown-account-refund-parked": {
        "description": "A payment parked unknown_account (acct_ghost) is refunded 7.00: the refund is recorded "
                       "and moves no money, the payment stays parked (operator parks never credit by "
                       "themselves). A release would credit its net, 2200 - 700 = 1500 "
                       "(check_fixtures.py releases it to acct_alice through the model).",
        "accounts": ALL,
        "deliveries": ["ghost.checkout.session.completed.json", "ghost.refund.created.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["Ghost"]: "parked"},
                   "parked_reasons": {PI["Ghost"]: "unknown_account"},
                   "entries": []},
    },
})

# Delivers every fixture once, in file-name order, through one gateway.
_everything = sorted(FIXTURES)
SCENARIOS["24-every-fixture-once"] = {
    "description": "Every fixture delivered once, in file-name order (which is not Stripe's order: follow-ups "
                   "arrive before their payments, each dispute's closed before its created). Follow-ups are "
                   "recorded and applied when their payment is credited; charge.refunded never moves money. "
                   "Alice: 6000 (dispute-amount, won) + 5000 (dispute-won) + 2000 (happy) + 3500 (inquiry) "
                   "+ 0 (parked-refund: 1600 - 1600) + 4000 (refund-failed: 4000 - 1000 + 1000) "
                   "+ 0 (refunds: 2500 - 2500) = 20500. "
                   "Bob: 1500 (async) + 0 (dispute-lost: 3000 - 3000) + 700 (early: 1200 - 500) "
                   "+ 1400 (legacy: 2000 - 600) + 2600 (refund-canceled) = 6200. "
                   "Parked: eur, ghost (its refund recorded), live, noaccount.",
    "accounts": ALL,
    "deliveries": _everything,
    "expect": {
        "balances": {"acct_alice": 20500, "acct_bob": 6200},
        "payments": {PI["Happy"]: "succeeded", PI["Async"]: "succeeded", PI["AsyncFail"]: "failed",
                     PI["Expired"]: "expired", PI["Eur"]: "parked", PI["Ghost"]: "parked",
                     PI["NoAcct"]: "parked", PI["Live"]: "parked", PI["Refunds"]: "refunded",
                     PI["Early"]: "partially_refunded", PI["DispWon"]: "dispute_won",
                     PI["DispLost"]: "dispute_lost", PI["ParkRefund"]: "refunded",
                     PI["RefundFail"]: "succeeded", PI["RefundCancel"]: "succeeded",
                     PI["DispAmount"]: "dispute_won", PI["Inquiry"]: "dispute_won",
                     PI["Legacy"]: "partially_refunded"},
        "parked_reasons": {PI["Eur"]: "unsupported_currency", PI["Ghost"]: "unknown_account",
                           PI["NoAcct"]: "missing_account", PI["Live"]: "livemode_mismatch"},
        "unhandled": {"payment_intent.created": 1, "charge.succeeded": 1},
        # In production order: a payment's credit, then whatever it already owes, then later follow-ups.
        "entries": [credit("acct_bob", "Async", 1500),
                    credit("acct_alice", "DispAmount", 6000),
                    credit("acct_bob", "DispLost", 3000), entry("acct_bob", f"stripe:{DP_2['id']}", -3000),
                    credit("acct_alice", "DispWon", 5000),
                    credit("acct_bob", "Early", 1200), entry("acct_bob", re_key(RE_D), -500),
                    credit("acct_alice", "Happy", 2000),
                    credit("acct_alice", "Inquiry", 3500),
                    credit("acct_bob", "Legacy", 2000), entry("acct_bob", re_key(RE_H), -600),
                    credit("acct_alice", "ParkRefund", 1600), entry("acct_alice", re_key(RE_P), -1600),
                    credit("acct_bob", "RefundCancel", 2600),
                    credit("acct_alice", "RefundFail", 4000), entry("acct_alice", re_key(RE_E), -1000),
                    entry("acct_alice", re_key(RE_E, ":failed"), 1000),
                    credit("acct_alice", "Refunds", 2500),
                    entry("acct_alice", re_key(RE_A), -300),
                    entry("acct_alice", re_key(RE_C), -1500),
                    entry("acct_alice", re_key(RE_B), -700)],
    },
}


def dump(obj):
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def main():
    for folder in ("fixtures", "scenarios"):
        d = ROOT / folder
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    for name, ev in FIXTURES.items():
        (ROOT / "fixtures" / name).write_text(dump(ev), encoding="utf-8")
    for name, sc in SCENARIOS.items():
        (ROOT / "scenarios" / f"{name}.json").write_text(dump(sc), encoding="utf-8")
    print(f"wrote {len(FIXTURES)} fixtures and {len(SCENARIOS)} scenarios under {ROOT}")


if __name__ == "__main__":
    main()
