extension CardPayment {
    /// The wallet effects that bring the ledger to what the facts say, while the payment is
    /// credited. Each Stripe object owns its keys, and each key is asked for once:
    ///
    /// | key | amount | when |
    /// |---|---|---|
    /// | `stripe:<pi>` | +paid | the payment is credited |
    /// | `stripe:<re>` | −refund | the refund's latest state is succeeded |
    /// | `stripe:<re>:failed` | +what `stripe:<re>` took | the refund failed after its debit |
    /// | `stripe:<dp>` | −held | the dispute's funds are withdrawn (or it is lost) |
    /// | `stripe:<dp>:reversal` | +what `stripe:<dp>` took | reinstated or won after the debit |
    ///
    /// A failed refund and a reinstated dispute are final in Stripe's lifecycles, so no key is
    /// ever needed twice. Objects are visited in id order so effects come out deterministically.
    mutating func settle() -> [CardPaymentEffect] {
        // A credited payment's currency was checked against its account's when it was decided.
        guard let account = creditedTo, let paid, let currency = try? Currency(paid.currency) else { return [] }
        var effects: [CardPaymentEffect] = []
        func ask(_ key: String, _ cents: Int64, _ kind: EntryKind, _ object: String) {
            guard ledger[key] == nil, cents != 0 else { return }
            ledger[key] = cents
            effects.append(CardPaymentEffect(key: IdempotencyKey(stripeEffect: key), account: account, amountCents: cents, currency: currency, kind: kind, stripeObject: object))
        }
        ask(KeyFormat.stripe(paymentIntent), paid.amount, .cardTopup, paymentIntent)
        // Succeeded refunds first, so that version 1's pool goes to them before any of it is
        // given back for a failed one.
        let ordered = refunds.sorted { ($0.value.state == .succeeded ? 0 : 1, $0.key) < ($1.value.state == .succeeded ? 0 : 1, $1.key) }
        for (id, refund) in ordered {
            let debitKey = KeyFormat.stripe(id)
            // What this refund took so far: its own key, and any share of version 1's pool.
            var taken = -(ledger[debitKey] ?? 0) + (refundsPaidByPool[id] ?? 0)
            switch refund.state {
            case .succeeded where ledger[debitKey] == nil && taken < refund.amount:
                taken += drawPool(for: id, upTo: refund.amount - taken)
                ask(debitKey, -(refund.amount - taken), .refund, id)
            case .failed, .canceled:
                // Version 1 counted pending refunds too (`amount_refunded`): what is left of its
                // pool after every succeeded refund had its share was taken for refunds like
                // this one. Giving it back never returns more than was taken.
                if taken == 0, ledger[KeyFormat.stripeRefundFailed(id)] == nil { taken += drawPool(for: id, upTo: refund.amount) }
                if taken > 0 { ask(KeyFormat.stripeRefundFailed(id), taken, .refundReversal, id) }
            default:
                break
            }
        }
        for (id, dispute) in disputes.sorted(by: { $0.key < $1.key }) {
            let debitKey = KeyFormat.stripe(id)
            if dispute.holdsFunds {
                // Never debited twice: a reinstated dispute does not hold funds again.
                if ledger[KeyFormat.stripeDisputeReversal(id)] == nil { ask(debitKey, -dispute.heldAmount, .dispute, id) }
            } else if let debited = ledger[debitKey] {
                ask(KeyFormat.stripeDisputeReversal(id), -debited, .disputeReversal, id)
            }
        }
        return effects
    }

    /// Assigns up to `cents` of version 1's pool to a refund; returns what it got.
    private mutating func drawPool(for id: String, upTo cents: Int64) -> Int64 {
        let drawn = min(legacyRefundPool, cents)
        guard drawn > 0 else { return 0 }
        legacyRefundPool -= drawn
        refundsPaidByPool[id, default: 0] += drawn
        return drawn
    }
}
