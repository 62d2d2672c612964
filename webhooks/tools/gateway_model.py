"""A small executable statement of the gateway's Stripe payment rules (README "Rules").

check_fixtures.py runs every scenario through it and compares the result with the expectations
typed into the scenario files. It is a test oracle, not the gateway: no I/O, no signatures,
plain dicts. Stdlib only.
"""

HANDLED = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.succeeded",
    "charge.refunded",
    "refund.created",
    "refund.updated",
    "charge.dispute.created",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
}

# Events that move money after a payment is credited; before that they wait (in arrival order).
FOLLOW_UPS = {"charge.refunded", "refund.created", "refund.updated", "charge.dispute.created",
              "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated", "charge.dispute.closed"}

CREDITED = "credited"  # internal base state; the visible status is derived (see status())


def payment_intent_of(event):
    obj = event["data"]["object"]
    kind = obj.get("object")
    if kind == "payment_intent":
        return obj["id"]
    return obj.get("payment_intent")  # session, charge, refund, dispute


class Gateway:
    def __init__(self, accounts, livemode=False):
        self.accounts = set(accounts)
        self.livemode = livemode
        self.seen = set()
        self.unhandled = {}
        self.payments = {}  # pi -> dict(base, reason, account, amount, credited)
        self.sessions = {}  # pi -> (client_reference_id, metadata.account_id)
        self.pi_accounts = {}  # pi -> metadata.account_id of the PaymentIntent
        self.waiting = {}  # pi -> [event] follow-ups received before the payment was credited
        self.refunds = {}  # re -> dict(pi, amount, status)
        self.cumulative = {}  # pi -> largest charge.amount_refunded seen
        self.watermark = {}  # pi -> refunded cents already debited
        self.disputes = {}  # dp -> dict(pi, amount, outcome, debited, reversed)
        self.entries = []  # wallet entries in the order they are produced

    # -- delivery --------------------------------------------------------------------------

    def deliver(self, event):
        """Returns the inbox outcome: duplicate | unhandled | parked | applied | waiting | ignored."""
        if event["id"] in self.seen:
            return "duplicate"
        self.seen.add(event["id"])
        etype = event["type"]
        if etype not in HANDLED:
            self.unhandled[etype] = self.unhandled.get(etype, 0) + 1
            return "unhandled"
        pi = payment_intent_of(event)
        if event["livemode"] != self.livemode:
            if pi and pi not in self.payments:
                self._new(pi, "parked", reason="livemode_mismatch")
            return "parked"
        return self._apply(event, pi)

    def _apply(self, event, pi):
        etype, obj = event["type"], event["data"]["object"]
        if etype.startswith("checkout.session."):
            if obj.get("mode") != "payment" or not pi:
                return "ignored"
            self.sessions[pi] = (obj.get("client_reference_id"), (obj.get("metadata") or {}).get("account_id"))
            if etype == "checkout.session.completed":
                if obj["payment_status"] == "paid":
                    return self._credit(pi, obj["amount_total"], obj["currency"])
                if obj["payment_status"] == "unpaid":
                    return self._pending(pi, obj["amount_total"], obj["currency"])
                return "ignored"  # no_payment_required: no money moves
            if etype == "checkout.session.async_payment_succeeded":
                return self._credit(pi, obj["amount_total"], obj["currency"])
            if etype == "checkout.session.async_payment_failed":
                return self._close(pi, "failed")
            if etype == "checkout.session.expired":
                return self._close(pi, "expired")
        if etype == "payment_intent.succeeded":
            self.pi_accounts[pi] = (obj.get("metadata") or {}).get("account_id")
            return self._credit(pi, obj["amount_received"], obj["currency"])
        if etype in FOLLOW_UPS:
            if not pi:
                return "ignored"
            pay = self.payments.get(pi)
            if pay is None or pay["base"] == "pending":
                self.waiting.setdefault(pi, []).append(event)
                return "waiting"
            self._follow_up(event, pi, pay)
            return "applied"
        raise AssertionError(etype)

    # -- payments --------------------------------------------------------------------------

    def _new(self, pi, base, reason=None, account=None, amount=None):
        self.payments[pi] = {"base": base, "reason": reason, "account": account, "amount": amount,
                             "credited": 0}
        return self.payments[pi]

    def _resolve_account(self, pi):
        session = self.sessions.get(pi, (None, None))
        for candidate in (self.pi_accounts.get(pi), session[0], session[1]):
            if candidate:
                return candidate
        return None

    def _park_reason(self, pi, currency):
        if currency != "usd":
            return "unsupported_currency", None
        account = self._resolve_account(pi)
        if account is None:
            return "missing_account", None
        if account not in self.accounts:
            return "unknown_account", account
        return None, account

    def _pending(self, pi, amount, currency):
        if pi in self.payments:
            return "ignored"  # already pending, credited, parked, failed or expired
        reason, account = self._park_reason(pi, currency)
        if reason:
            self._new(pi, "parked", reason=reason, account=account, amount=amount)
            return "parked"
        self._new(pi, "pending", account=account, amount=amount)
        return "applied"

    def _credit(self, pi, amount, currency):
        pay = self.payments.get(pi)
        if pay is not None and pay["base"] in (CREDITED, "parked"):
            return "ignored"  # the second announcement of the same payment
        reason, account = self._park_reason(pi, currency)
        if reason:
            self._new(pi, "parked", reason=reason, account=account, amount=amount)
            self._drain(pi)
            return "parked"
        pay = self._new(pi, CREDITED, account=account, amount=amount)
        pay["credited"] = amount
        self.entries.append({"account": account, "key": f"stripe:{pi}", "amount": amount})
        self._drain(pi)
        return "applied"

    def _close(self, pi, status):
        pay = self.payments.get(pi)
        if pay is None:
            self._new(pi, status)
            return "applied"
        if pay["base"] == "pending":
            pay["base"] = status
            self._drain(pi)  # nothing should be waiting; whatever is stays recorded-only
            return "applied"
        return "ignored"

    def _drain(self, pi):
        pay = self.payments[pi]
        for event in self.waiting.pop(pi, []):
            self._follow_up(event, pi, pay)

    # -- refunds and disputes --------------------------------------------------------------

    def _follow_up(self, event, pi, pay):
        etype, obj = event["type"], event["data"]["object"]
        money = pay["base"] == CREDITED  # parked/failed/expired payments only record facts
        if etype == "charge.refunded":
            self.cumulative[pi] = max(self.cumulative.get(pi, 0), obj["amount_refunded"])
            if money:
                self._refund_watermark(pi, pay, newly_succeeded=None)
        elif etype in ("refund.created", "refund.updated"):
            before = self.refunds.get(obj["id"], {}).get("status")
            self.refunds[obj["id"]] = {"pi": pi, "amount": obj["amount"], "status": obj["status"]}
            newly = obj["id"] if obj["status"] == "succeeded" and before != "succeeded" else None
            if money:
                self._refund_watermark(pi, pay, newly_succeeded=newly)
        else:
            d = self.disputes.setdefault(obj["id"], {"pi": pi, "amount": obj["amount"], "outcome": "open",
                                                     "debited": False, "reversed": False})
            d["amount"] = obj["amount"]
            if etype in ("charge.dispute.created", "charge.dispute.funds_withdrawn"):
                if d["outcome"] != "won":
                    self._dispute_debit(obj["id"], d, pay, money)
            elif etype == "charge.dispute.funds_reinstated" or (
                    etype == "charge.dispute.closed" and obj["status"] in ("won", "warning_closed")):
                d["outcome"] = "won"
                if d["debited"] and not d["reversed"] and money:
                    d["reversed"] = True
                    self.entries.append({"account": pay["account"], "key": f"stripe:{obj['id']}:reversal",
                                         "amount": d["amount"]})
            elif etype == "charge.dispute.closed" and obj["status"] == "lost":
                d["outcome"] = "lost"
                self._dispute_debit(obj["id"], d, pay, money)

    def _refund_watermark(self, pi, pay, newly_succeeded):
        succeeded = sum(r["amount"] for r in self.refunds.values() if r["pi"] == pi and r["status"] == "succeeded")
        target = min(max(succeeded, self.cumulative.get(pi, 0)), pay["credited"])
        done = self.watermark.get(pi, 0)
        if target <= done:
            return
        delta = target - done
        if newly_succeeded and self.refunds[newly_succeeded]["amount"] == delta:
            key = f"stripe:{newly_succeeded}"
        else:
            key = f"stripe:{pi}:refunds_to:{target}"
        self.watermark[pi] = target
        self.entries.append({"account": pay["account"], "key": key, "amount": -delta})

    def _dispute_debit(self, dp, d, pay, money):
        if d["debited"] or not money:
            return
        d["debited"] = True
        self.entries.append({"account": pay["account"], "key": f"stripe:{dp}", "amount": -d["amount"]})

    # -- results ---------------------------------------------------------------------------

    def status(self, pi):
        pay = self.payments[pi]
        if pay["base"] != CREDITED:
            return pay["base"]
        outcomes = [d["outcome"] for d in self.disputes.values() if d["pi"] == pi]
        if outcomes:
            if "lost" in outcomes:
                return "dispute_lost"
            if "open" in outcomes:
                return "disputed"
            return "dispute_won"
        refunded = self.watermark.get(pi, 0)
        if refunded >= pay["credited"]:
            return "refunded"
        if refunded > 0:
            return "partially_refunded"
        return "succeeded"

    def balances(self):
        out = {a: 0 for a in self.accounts}
        for e in self.entries:
            out[e["account"]] = out.get(e["account"], 0) + e["amount"]
        return out

    def result(self):
        return {
            "balances": self.balances(),
            "payments": {pi: self.status(pi) for pi in self.payments},
            "parked_reasons": {pi: p["reason"] for pi, p in self.payments.items() if p["base"] == "parked"},
            "unhandled": dict(self.unhandled),
            "entries": list(self.entries),
        }
