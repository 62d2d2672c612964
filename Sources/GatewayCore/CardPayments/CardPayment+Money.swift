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
        guard let account = creditedTo, let paid else { return [] }
        var effects: [CardPaymentEffect] = []
        func ask(_ key: String, _ cents: Int64, _ kind: EntryKind, _ object: String) {
            guard ledger[key] == nil, cents != 0 else { return }
            ledger[key] = cents
            effects.append(CardPaymentEffect(key: key, account: account, amountCents: cents, kind: kind, stripeObject: object))
        }
        ask("stripe:\(paymentIntent)", paid.amount, .cardTopup, paymentIntent)
        for (id, refund) in refunds.sorted(by: { $0.key < $1.key }) {
            let debitKey = "stripe:\(id)"
            let debited: Int64? = ledger[debitKey].map { -$0 } ?? (refundsPaidByPool.contains(id) ? refund.amount : nil)
            switch refund.state {
            case .succeeded where debited == nil:
                if legacyRefundPool >= refund.amount, refund.amount > 0 {
                    legacyRefundPool -= refund.amount
                    refundsPaidByPool.insert(id)
                } else {
                    ask(debitKey, -refund.amount, .refund, id)
                }
            case .failed, .canceled:
                if let debited { ask("\(debitKey):failed", debited, .refundReversal, id) }
            default:
                break
            }
        }
        for (id, dispute) in disputes.sorted(by: { $0.key < $1.key }) {
            let debitKey = "stripe:\(id)"
            if dispute.holdsFunds {
                // Never debited twice: a reinstated dispute does not hold funds again.
                if ledger["\(debitKey):reversal"] == nil { ask(debitKey, -dispute.heldAmount, .dispute, id) }
            } else if let debited = ledger[debitKey] {
                ask("\(debitKey):reversal", -debited, .disputeReversal, id)
            }
        }
        return effects
    }
}
