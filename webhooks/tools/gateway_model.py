"""A small executable statement of the gateway's Stripe card-payment rules (README "Event handling").

Written from the rules text alone, as a test oracle: check_fixtures.py runs every scenario through
it, model_histories.py answers randomized histories for the Swift tests. It is not the gateway: no
I/O, no signatures, plain dicts. Stdlib only.

The shape of the rules: every event only adds facts to its payment (paid, unpaid, failed, expired,
account sources, refunds, disputes); after each event the payment's disposition is recomputed
from its facts, and, while it is credited, each money object (the payment, every refund, every
dispute) is compared with what was already enqueued for it and the difference is enqueued.
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
    "refund.failed",
    "charge.refund.updated",  # its data.object is a refund
    "charge.dispute.created",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
}

REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}

# A refund's kept state moves only up this ladder; equal rank keeps the first, unknown is ignored.
REFUND_RANK = {"pending": 0, "requires_action": 1, "succeeded": 2, "failed": 3, "canceled": 3}

# Parks only an operator lifts (gateway payments release); missing_account is re-evaluated instead.
OPERATOR_PARKS = {"unknown_account", "unsupported_currency", "livemode_mismatch", "conflicting_accounts", "currency_mismatch"}


def _id(value):
    """An id field, whether Stripe sent it as a string or as an expanded object."""
    return value.get("id") if isinstance(value, dict) else value


def payment_intent_of(event):
    obj = event["data"]["object"]
    if obj.get("object") == "payment_intent" or event.get("type", "").startswith("payment_intent."):
        return obj.get("id")
    return _id(obj.get("payment_intent"))  # session, charge, refund, dispute


class Payment:
    def __init__(self):
        self.paid = None  # (amount, currency) of the first paid announcement
        self.unpaid = self.failed = self.expired = False
        self.sources = {"pi_metadata": None, "client_reference_id": None, "session_metadata": None}
        self.refunds = {}  # re -> {amount, state, debited (cents or None), returned}
        self.disputes = {}  # dp -> {amount, withdrawn_amount, lost_amount, withdrawn, reinstated, outcome,
        #                           debited (cents or None), reversed}
        self.amount_refunded = 0  # largest charge.amount_refunded seen: display only, never money
        self.park = None  # reason while parked
        self.account = None  # set once credited; never changes after
        self.credit_enqueued = False
        self.released = False

    def account_named(self):
        for source in ("pi_metadata", "client_reference_id", "session_metadata"):
            if self.sources[source]:
                return self.sources[source]
        return None

    def refunded(self):
        return sum(r["amount"] for r in self.refunds.values() if r["state"] == "succeeded")

    def held(self, d):
        """Cents a dispute holds now (0 when it holds nothing)."""
        holds = (d["withdrawn"] or d["outcome"] == "lost") and not (d["reinstated"] or d["outcome"] == "won")
        if not holds:
            return 0
        # once debited, the key is applied: a later event reporting another amount moves nothing
        for amount in (d["debited"], d["withdrawn_amount"], d["lost_amount"], d["amount"]):
            if amount is not None:
                return amount
        return 0

    def net(self):
        return self.paid[0] - self.refunded() - sum(self.held(d) for d in self.disputes.values())

    def status(self):
        if self.account is not None:
            outcomes = [d["outcome"] for d in self.disputes.values()]
            if "lost" in outcomes:
                return "dispute_lost"
            if "open" in outcomes:
                return "disputed"
            if outcomes:
                return "dispute_won"
            refunded = self.refunded()
            if refunded >= self.paid[0]:
                return "refunded"
            if refunded > 0:
                return "partially_refunded"
            return "succeeded"
        if self.park:
            return "parked"
        if self.failed:
            return "failed"
        if self.expired:
            return "expired"
        if self.unpaid:
            return "pending"
        return "awaiting_payment"


class Gateway:
    def __init__(self, accounts, livemode=False, account_currencies=None, wallet_currencies=("usd",)):
        self.accounts = set(accounts)
        # Each account holds one currency (lowercase, as Stripe writes it); USD unless said.
        self.currencies = {a: (account_currencies or {}).get(a, "usd") for a in self.accounts}
        self.wallet_currencies = set(wallet_currencies)
        self.livemode = livemode
        self.seen = set()
        self.unhandled = {}
        self.payments = {}  # pi -> Payment, in order of first mention
        self.entries = []  # wallet entries in the order they are produced

    def _payment(self, pi):
        if pi not in self.payments:
            self.payments[pi] = Payment()
        return self.payments[pi]

    # -- delivery --------------------------------------------------------------------------

    def deliver(self, event):
        """Returns the inbox outcome: duplicate | unhandled | mismatch | stored | applied."""
        if event["id"] in self.seen:
            return "duplicate"
        self.seen.add(event["id"])
        etype = event["type"]
        if etype not in HANDLED:
            self.unhandled[etype] = self.unhandled.get(etype, 0) + 1
            return "unhandled"
        pi = payment_intent_of(event)
        if bool(event.get("livemode", False)) != self.livemode:
            # recorded, never applied; parks a payment that has no disposition yet
            if pi and self._payment(pi).status() == "awaiting_payment":
                self.payments[pi].park = "livemode_mismatch"
            return "mismatch"
        touched = self._record(etype, event["data"]["object"], pi)
        for p in touched:
            self._settle(p)
        return "applied" if touched else "stored"

    def _record(self, etype, obj, pi):
        """Adds the event's facts to its payment(s); returns the pis whose facts may have changed."""
        if etype.startswith("checkout.session."):
            if not pi or obj.get("mode", "payment") != "payment":
                return []
            status = obj.get("payment_status")
            if etype == "checkout.session.completed" and status not in ("paid", "unpaid"):
                return []  # no_payment_required: stored, nothing else
            pay = self._payment(pi)
            self._source(pay, "client_reference_id", obj.get("client_reference_id"))
            self._source(pay, "session_metadata", (obj.get("metadata") or {}).get("account_id"))
            if etype == "checkout.session.completed" and status == "unpaid":
                pay.unpaid = True
            elif etype in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
                self._paid(pay, obj.get("amount_total"), obj.get("currency"))
            elif etype == "checkout.session.async_payment_failed":
                pay.failed = True
            elif etype == "checkout.session.expired":
                pay.expired = True
            return [pi]
        if not pi:
            return []
        if etype == "payment_intent.succeeded":
            pay = self._payment(pi)
            self._source(pay, "pi_metadata", (obj.get("metadata") or {}).get("account_id"))
            self._paid(pay, obj.get("amount_received", obj.get("amount")), obj.get("currency"))
            return [pi]
        if etype == "charge.refunded":
            pay = self._payment(pi)
            pay.amount_refunded = max(pay.amount_refunded, obj.get("amount_refunded") or 0)
            touched = [pi]
            for r in (obj.get("refunds") or {}).get("data") or []:  # older API versions embed them
                rpi = _id(r.get("payment_intent")) or pi
                self._refund(self._payment(rpi), r)
                if rpi not in touched:
                    touched.append(rpi)
            return touched
        if etype in REFUND_EVENTS:
            self._refund(self._payment(pi), obj)
            return [pi]
        self._dispute(self._payment(pi), etype, obj)
        return [pi]

    @staticmethod
    def _source(pay, source, value):
        if value:  # non-empty values only; a later one of the same source replaces it
            pay.sources[source] = value

    @staticmethod
    def _paid(pay, amount, currency):
        if pay.paid is None and amount is not None:
            pay.paid = (amount, currency)

    @staticmethod
    def _refund(pay, obj):
        state = obj.get("status")
        if state not in REFUND_RANK or not obj.get("id"):
            return
        r = pay.refunds.get(obj["id"])
        if r is None:
            pay.refunds[obj["id"]] = {"amount": obj.get("amount") or 0, "state": state,
                                      "debited": None, "returned": False}
        elif REFUND_RANK[state] > REFUND_RANK[r["state"]]:
            r["state"] = state

    @staticmethod
    def _dispute(pay, etype, obj):
        if not obj.get("id"):
            return
        d = pay.disputes.setdefault(obj["id"], {
            "amount": obj.get("amount"), "withdrawn_amount": None, "lost_amount": None,
            "withdrawn": False, "reinstated": False, "outcome": "open", "debited": None, "reversed": False})
        if etype == "charge.dispute.funds_withdrawn":
            d["withdrawn"] = True
            if d["withdrawn_amount"] is None:
                d["withdrawn_amount"] = obj.get("amount")
        elif etype == "charge.dispute.funds_reinstated":
            d["reinstated"] = True
        elif etype == "charge.dispute.closed" and d["outcome"] == "open":
            if obj.get("status") in ("won", "warning_closed"):
                d["outcome"] = "won"
            elif obj.get("status") == "lost":
                d["outcome"] = "lost"
                d["lost_amount"] = obj.get("amount")
        # charge.dispute.created only records the dispute

    # -- disposition and money -------------------------------------------------------------

    def _settle(self, pi):
        pay = self.payments[pi]
        if pay.account is None:
            if pay.park in OPERATOR_PARKS or pay.paid is None:
                return  # operator parks wait for a release; unpaid payments are not checked
            amount, currency = pay.paid
            account = pay.account_named()
            named = {v for v in pay.sources.values() if v}
            if currency not in self.wallet_currencies:
                pay.park = "unsupported_currency"  # checked first: no account could hold it
            elif len(named) > 1:
                pay.park = "conflicting_accounts"  # the sources name different accounts
            elif account is None:
                pay.park = "missing_account"
            elif account not in self.accounts:
                pay.park = "unknown_account"
            elif self.currencies[account] != currency:
                pay.park = "currency_mismatch"
            else:
                pay.park, pay.account = None, account
        if pay.account is not None:
            self._enqueue(pi, pay)

    def _enqueue(self, pi, pay):
        """Each object's target compared with what was already enqueued for it."""
        def entry(key, cents):
            self.entries.append({"account": pay.account, "key": key, "amount": cents})

        if not pay.credit_enqueued:
            pay.credit_enqueued = True
            entry(f"stripe:{pi}", pay.paid[0])
        for re_id, r in pay.refunds.items():
            if r["state"] == "succeeded" and r["debited"] is None:
                r["debited"] = r["amount"]
                entry(f"stripe:{re_id}", -r["amount"])
            elif REFUND_RANK[r["state"]] == 3 and r["debited"] is not None and not r["returned"]:
                r["returned"] = True
                entry(f"stripe:{re_id}:failed", r["debited"])
        for dp_id, d in pay.disputes.items():
            held = pay.held(d)
            if held and d["debited"] is None:
                d["debited"] = held
                entry(f"stripe:{dp_id}", -held)
            elif not held and d["debited"] is not None and not d["reversed"]:
                d["reversed"] = True
                entry(f"stripe:{dp_id}:reversal", d["debited"])

    # -- operator --------------------------------------------------------------------------

    def _refusal(self, pay):
        """Why no account could get this payment by release (None: releasable)."""
        if pay is None or pay.account is not None or not pay.park:
            return "the payment is not parked"
        if pay.park == "livemode_mismatch":
            return "a livemode_mismatch payment cannot be released"
        if pay.paid is None:
            return "no paid announcement was recorded for this payment"
        if pay.paid[1] not in self.wallet_currencies:
            return f"the payment's currency {pay.paid[1]} is not one wallets hold"
        return None

    def release(self, pi, account):
        """gateway payments release: ("released", net) | ("refused", message) | ("already_released", None)."""
        pay = self.payments.get(pi)
        if pay is not None and pay.released:
            return ("already_released", None)
        refusal = self._refusal(pay) or (None if account in self.accounts else f"no account {account}")
        if refusal is None and self.currencies[account] != pay.paid[1]:
            refusal = f"the payment is in {pay.paid[1]}, account {account} holds {self.currencies[account]}"
        if refusal:
            return ("refused", refusal)
        pay.park, pay.account, pay.released = None, account, True
        self._enqueue(pi, pay)
        return ("released", pay.net())

    def releasable(self):
        """{pi: net cents} a release would credit now, for the parked payments that can be released."""
        return {pi: pay.net() for pi, pay in self.payments.items() if self._refusal(pay) is None}

    # -- results ---------------------------------------------------------------------------

    def balances(self):
        out = {a: 0 for a in sorted(self.accounts)}
        for e in self.entries:
            out[e["account"]] = out.get(e["account"], 0) + e["amount"]
        return out

    def result(self):
        statuses = {pi: pay.status() for pi, pay in self.payments.items()}
        return {
            "balances": self.balances(),
            "payments": {pi: s for pi, s in statuses.items() if s != "awaiting_payment"},
            "parked_reasons": {pi: self.payments[pi].park for pi, s in statuses.items() if s == "parked"},
            "unhandled": dict(self.unhandled),
            "entries": [dict(e) for e in self.entries],
        }
