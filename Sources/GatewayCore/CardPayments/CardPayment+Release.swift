extension CardPayment {
    public enum ReleaseRefusal: Error, Sendable, Equatable, CustomStringConvertible {
        case notParked(status: String)
        case livemodeMismatch
        case notPaid
        case invalidAmount
        case currency(String)
        case unknownAccount(String)

        public var description: String {
            switch self {
            case .notParked(let status): "the payment is not parked (its status is \(status)); there is nothing to release"
            case .livemodeMismatch:
                "the payment is parked for livemode_mismatch: its events come from the other Stripe mode (test vs live), "
                    + "so this gateway must not credit it; check STRIPE_LIVEMODE and the webhook endpoint's mode"
            case .notPaid:
                "no paid or succeeded event was recorded for this payment, so there is no money to release "
                    + "(an unpaid or failed payment never reached Stripe's balance)"
            case .invalidAmount: "the paid amount is not positive; settle it by hand with `gateway adjust`"
            case .currency(let currency):
                "the payment is in \(currency.uppercased()) and wallets hold \(CardPayment.walletCurrency.uppercased()); "
                    + "refund it in Stripe instead"
            case .unknownAccount(let account): "account \(account) does not exist; create it first"
            }
        }
    }

    public enum ReleaseResult: Sendable, Equatable {
        case released([CardPaymentEffect])
        /// Released before: nothing happens again.
        case alreadyReleased(Release)
    }

    /// An operator credits a payment parked for them to `account`, net of its refunds and
    /// disputes: the credit and each object's effect, as if it had been credited at once.
    public mutating func release(
        to account: String, accountExists: Bool, operatorName: String, reason: String
    ) -> Result<ReleaseResult, ReleaseRefusal> {
        if let release { return .success(.alreadyReleased(release)) }
        guard let park else { return .failure(.notParked(status: status)) }
        guard park != .livemodeMismatch else { return .failure(.livemodeMismatch) }
        guard let paid else { return .failure(.notPaid) }
        guard paid.amount > 0 else { return .failure(.invalidAmount) }
        guard paid.currency == Self.walletCurrency else { return .failure(.currency(paid.currency)) }
        guard accountExists else { return .failure(.unknownAccount(account)) }
        self.release = Release(account: account, from: park, operatorName: operatorName, reason: reason)
        self.park = nil
        self.namedAccount = nil
        creditedTo = account
        return .success(.released(settle()))
    }

    /// What releasing a parked payment would credit (net), or why it cannot be released.
    public var releasable: Result<Int64, ReleaseRefusal> {
        var copy = self
        switch copy.release(to: "-", accountExists: true, operatorName: "-", reason: "-") {
        case .success: return .success(net)
        case .failure(let refusal): return .failure(refusal)
        }
    }
}
