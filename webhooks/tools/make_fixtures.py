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


def charge(p, created, amount_refunded=0, disputed=False, livemode=False):
    return {
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


def refund(p, r, created, status):
    done = status == "succeeded"
    return {
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
        "metadata": {},
        "payment_intent": p["pi"],
        "reason": "requested_by_customer",
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded" if done else status,
        "transfer_reversal": None,
    }


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


def dispute(p, d, created, status, txns, evidence_text=None):
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
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": p["pi"],
        "payment_method_details": {"card": {"brand": "visa", "case_type": "chargeback",
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

RE_A = {"id": sid("re", "RefundA"), "tag": "RefundA", "amount": 300, "arn": "74987505173000012345678"}
RE_B = {"id": sid("re", "RefundB"), "tag": "RefundB", "amount": 700}
RE_C = {"id": sid("re", "RefundC"), "tag": "RefundC", "amount": 1500}
RE_D = {"id": sid("re", "RefundD"), "tag": "RefundD", "amount": 500}
DP_1 = {"id": sid("dp", "DisputeWon", lead="1R"), "amount": 5000, "reason": "fraudulent",
        "network_reason_code": "10.4"}
DP_2 = {"id": sid("dp", "DisputeLost", lead="1R"), "amount": 3000, "reason": "product_not_received",
        "network_reason_code": "13.1"}

FIXTURES = {}  # file name -> event dict, in creation order


def event(name, etype, obj, created, tag, request=(None, None), previous=None, pending=1,
          livemode=False):
    data = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    FIXTURES[name] = {
        "id": sid("evt", tag, lead="3R" if not etype.startswith("checkout") else "1R"),
        "object": "event",
        "api_version": API_VERSION,
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


# ---------------------------------------------------------------------------------------------
# Scenarios: expectations typed by hand (see README "Balance math"); check_fixtures.py
# recomputes them with gateway_model.py.

PI = {s["tag"]: s["pi"] for s in [HAPPY, ASYNC, ASYNCFAIL, EXPIRED, EUR, GHOST, NOACCT, LIVE,
                                  REFUNDS, EARLY, DISPWON, DISPLOST]}
ALL = ["acct_alice", "acct_bob"]


def credit(acct, tag, cents):
    return {"account": acct, "key": f"stripe:{PI[tag]}", "amount": cents}


def entry(acct, key, cents):
    return {"account": acct, "key": key, "amount": cents}


def refunds_to(tag, cents):
    return f"stripe:{PI[tag]}:refunds_to:{cents}"


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
        "description": "refund.created and charge.refunded (500) for Bob's 12.00 PaymentIntent arrive before "
                       "payment_intent.succeeded: they are kept, then applied in arrival order once the payment "
                       "is credited. 1200 - 500 = 700.",
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
                       "followed by its refund.* events. The charge events move the watermark first, so the "
                       "refund objects add nothing. 2500 - 300 - 700 = 1500.",
        "accounts": ALL,
        "deliveries": [R + "checkout.session.completed.json", R + "charge.refunded.1.json",
                       R + "refund.created.a.json", R + "refund.updated.a.json", R + "refund.created.b.json",
                       R + "charge.refunded.2.json", R + "refund.updated.b.json"],
        "expect": {"balances": {"acct_alice": 1500, "acct_bob": 0},
                   "payments": {PI["Refunds"]: "partially_refunded"},
                   "entries": [credit("acct_alice", "Refunds", 2500),
                               entry("acct_alice", refunds_to("Refunds", 300), -300),
                               entry("acct_alice", refunds_to("Refunds", 1000), -700)]},
    },
    "12-partial-then-full-refund": {
        "description": "25.00 payment refunded 3.00, 7.00 (pending, then succeeded), then the remaining 15.00; "
                       "the refund objects arrive before their charge.refunded, so each debit is keyed by its "
                       "re_ id. 2500 - 300 - 700 - 1500 = 0.",
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
                       "objects after both: the watermark only rises, one debit of 1000. 2500 - 1000 = 1500.",
        "accounts": ALL,
        "deliveries": [R + "checkout.session.completed.json", R + "charge.refunded.2.json",
                       R + "charge.refunded.1.json", R + "refund.created.b.json", R + "refund.created.a.json",
                       R + "refund.updated.b.json", R + "refund.updated.a.json"],
        "expect": {"balances": {"acct_alice": 1500, "acct_bob": 0},
                   "payments": {PI["Refunds"]: "partially_refunded"},
                   "entries": [credit("acct_alice", "Refunds", 2500),
                               entry("acct_alice", refunds_to("Refunds", 1000), -1000)]},
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
        "description": "Alice's 50.00 payment is disputed (debit 5000 on charge.dispute.created), then won: "
                       "funds_reinstated credits it back, closed(won) adds nothing. 5000 - 5000 + 5000 = 5000.",
        "accounts": ALL,
        "deliveries": ["dispute-won.checkout.session.completed.json", "dispute-won.charge.dispute.created.json",
                       "dispute-won.charge.dispute.funds_reinstated.json",
                       "dispute-won.charge.dispute.closed.json"],
        "expect": {"balances": {"acct_alice": 5000, "acct_bob": 0},
                   "payments": {PI["DispWon"]: "dispute_won"},
                   "entries": [credit("acct_alice", "DispWon", 5000),
                               entry("acct_alice", f"stripe:{DP_1['id']}", -5000),
                               entry("acct_alice", f"stripe:{DP_1['id']}:reversal", 5000)]},
    },
    "16-dispute-open": {
        "description": "Only charge.dispute.created has arrived: 5000 debited, payment disputed.",
        "accounts": ALL,
        "deliveries": ["dispute-won.checkout.session.completed.json", "dispute-won.charge.dispute.created.json"],
        "expect": {"balances": {"acct_alice": 0, "acct_bob": 0},
                   "payments": {PI["DispWon"]: "disputed"},
                   "entries": [credit("acct_alice", "DispWon", 5000),
                               entry("acct_alice", f"stripe:{DP_1['id']}", -5000)]},
    },
    "17-dispute-lost": {
        "description": "Bob's 30.00 payment: charge.dispute.created debits 3000, funds_withdrawn for the same "
                       "dispute adds nothing, closed(lost) is final. 3000 - 3000 = 0.",
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
                       "an account: parked (missing_account) on the first event, still parked after the second.",
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
        "description": "Refund and dispute events re-delivered: each debits once. Alice 2500 - 300 = 2200; "
                       "Bob 3000 - 3000 = 0.",
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
                               entry("acct_alice", refunds_to("Refunds", 300), -300),
                               credit("acct_bob", "DispLost", 3000),
                               entry("acct_bob", f"stripe:{DP_2['id']}", -3000)]},
    },
}

# The last scenario delivers every fixture once, in file-name order, through one gateway.
_everything = sorted(FIXTURES)
SCENARIOS["24-every-fixture-once"] = {
    "description": "Every fixture delivered once, in file-name order (which is not Stripe's order: the early "
                   "refund arrives before its payment, each dispute's closed before its created and before its "
                   "payment; dispute-won's closed(won) arrives before anything was debited, so nothing is "
                   "debited or reversed). "
                   "Alice: 2000 (happy) + 0 (refunds: 2500 - 2500) + 5000 (dispute won) = 7000. "
                   "Bob: 1500 (async) + 700 (early: 1200 - 500) + 0 (dispute lost: 3000 - 3000) = 2200.",
    "accounts": ALL,
    "deliveries": _everything,
    "expect": {
        "balances": {"acct_alice": 7000, "acct_bob": 2200},
        "payments": {PI["Happy"]: "succeeded", PI["Async"]: "succeeded", PI["AsyncFail"]: "failed",
                     PI["Expired"]: "expired", PI["Eur"]: "parked", PI["Ghost"]: "parked",
                     PI["NoAcct"]: "parked", PI["Live"]: "parked", PI["Refunds"]: "refunded",
                     PI["Early"]: "partially_refunded", PI["DispWon"]: "dispute_won",
                     PI["DispLost"]: "dispute_lost"},
        "parked_reasons": {PI["Eur"]: "unsupported_currency", PI["Ghost"]: "unknown_account",
                           PI["NoAcct"]: "missing_account", PI["Live"]: "livemode_mismatch"},
        "unhandled": {"payment_intent.created": 1, "charge.succeeded": 1},
        # File-name order puts every charge.refunded before the refund objects, so the refund
        # debits here are watermark increases (refunds_to keys), not re_ keys.
        "entries": [credit("acct_bob", "Async", 1500),
                    credit("acct_bob", "DispLost", 3000), entry("acct_bob", f"stripe:{DP_2['id']}", -3000),
                    credit("acct_alice", "DispWon", 5000),
                    credit("acct_bob", "Early", 1200), entry("acct_bob", refunds_to("Early", 500), -500),
                    credit("acct_alice", "Happy", 2000),
                    credit("acct_alice", "Refunds", 2500),
                    entry("acct_alice", refunds_to("Refunds", 300), -300),
                    entry("acct_alice", refunds_to("Refunds", 1000), -700),
                    entry("acct_alice", refunds_to("Refunds", 2500), -1500)],
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
