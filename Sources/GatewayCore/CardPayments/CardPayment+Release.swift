extension CardPayment {
    public enum ReleaseRefusal: Error, Sendable, Equatable, CustomStringConvertible {
        case notParked(status: String)
        case livemodeMismatch
        case notPaid
        case invalidAmount
        /// The payment's currency, and the account's (nil: no wallet may hold it).
        case currency(payment: String, account: String?)
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
            case .currency(let payment, nil):
                "the payment is in \(payment.uppercased()), which no wallet holds (WALLET_CURRENCIES); refund it in Stripe instead"
            case .currency(let payment, let account?):
                "the payment is in \(payment.uppercased()) and the account holds \(account); release it to an account in "
                    + "\(payment.uppercased()), or refund it in Stripe"
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
    /// - Parameter accountCurrency: the account's currency; nil when it does not exist.
    public mutating func release(
        to account: AccountID, accountCurrency: Currency?, walletCurrencies: Set<Currency>, operatorName: String, reason: String
    ) -> Result<ReleaseResult, ReleaseRefusal> {
        if let release { return .success(.alreadyReleased(release)) }
        if let refusal = refusal(walletCurrencies: walletCurrencies) { return .failure(refusal) }
        guard let accountCurrency else { return .failure(.unknownAccount(account.rawValue)) }
        guard let park, let paid, paid.currency.uppercased() == accountCurrency.code else {
            return .failure(.currency(payment: paid?.currency ?? "?", account: accountCurrency.code))
        }
        self.release = Release(account: account.rawValue, from: park, operatorName: operatorName, reason: reason)
        self.park = nil
        self.namedAccount = nil
        self.namedAccountCurrency = nil
        creditedTo = account
        return .success(.released(settle()))
    }

    /// Why the payment cannot be released to any account, or nil if it can be to one that holds
    /// its currency.
    private func refusal(walletCurrencies: Set<Currency>) -> ReleaseRefusal? {
        guard let park else { return .notParked(status: status) }
        guard park != .livemodeMismatch else { return .livemodeMismatch }
        guard let paid else { return .notPaid }
        guard paid.amount > 0 else { return .invalidAmount }
        guard let currency = try? Currency(paid.currency), walletCurrencies.contains(currency) else {
            return .currency(payment: paid.currency, account: nil)
        }
        return nil
    }

    /// What releasing a parked payment to an account of its currency would credit (net), or why
    /// it cannot be released.
    public func releasable(walletCurrencies: Set<Currency>) -> Result<Int64, ReleaseRefusal> {
        if release == nil, let refusal = refusal(walletCurrencies: walletCurrencies) { return .failure(refusal) }
        return .success(net)
    }
}
