import Foundation
import GatewayCore
import Store

/// Operator views of card payments and Stripe events.
extension Gateway {
    public func payments(status: String?, limit: Int) async throws -> [StripeStore.PaymentRow] {
        try await database.transaction { db in try await StripeStore.payments(status: status, limit: limit, db) }
    }

    /// A payment, its events in arrival order, and the outbox rows (ledger effects) it caused.
    public func paymentDetail(_ paymentIntent: String) async throws -> JSONValue? {
        let found = try await database.transaction { db -> (StripeStore.PaymentRow, [StripeStore.EventRow], [RefundFetchStore.Row])? in
            guard let payment = try await StripeStore.payment(paymentIntent, db), payment.status != "new" else { return nil }
            return (
                payment, try await StripeStore.events(paymentIntent: paymentIntent, db),
                try await RefundFetchStore.waiting(paymentIntent: paymentIntent, db)
            )
        }
        guard let (payment, events, fetches) = found else { return nil }
        let topup = try await CardTopupStore(database: database).topup(paymentIntent: paymentIntent)
        // A payment has a handful of effects (credit, refunds, disputes); 1,000 bounds a bad case.
        let effects = try await outbox.list(detailsContaining: "\"stripe_payment_intent\":\"\(paymentIntent)\"", limit: 1_000)
            .map(OperatorViews.outboxJSON)
        return .object([
            "payment": paymentViews.paymentJSON(payment),
            "card_topup": topup.map(CardTopupViews.json) ?? .null,
            "events": .array(events.map(PaymentViews.eventSummaryJSON)),
            "ledger_effects": .array(effects),
            // Charges whose refunds are still to be listed from Stripe's API, with the last error.
            "refund_fetches": .array(fetches.map { fetch in
                .object([
                    "charge": .string(fetch.charge), "attempts": .int(fetch.attempts),
                    "requested_at": .string(Timestamp.rfc3339(millis: fetch.requestedAtMillis)),
                    "last_error": fetch.lastError.map(JSONValue.string) ?? .null,
                ])
            }),
        ])
    }

    public func stripeEvent(_ id: String) async throws -> StripeStore.EventRow? {
        try await database.transaction { db in try await StripeStore.event(id, db) }
    }
}

extension Gateway {
    /// The payment views, with this gateway's wallet currencies (what a release may credit).
    public var paymentViews: PaymentViews { PaymentViews(walletCurrencies: config.currencies.walletCurrencies) }
}

public struct PaymentViews: Sendable {
    public let walletCurrencies: Set<Currency>

    public init(walletCurrencies: Set<Currency>) { self.walletCurrencies = walletCurrencies }

    public func paymentJSON(_ row: StripeStore.PaymentRow) -> JSONValue {
        var fields: [String: JSONValue] = [
            "payment_intent": .string(row.paymentIntent),
            "status": .string(row.status),
            "updated_at": .string(Timestamp.rfc3339(millis: row.updatedAtMillis)),
            "created_at": .string(Timestamp.rfc3339(millis: row.createdAtMillis)),
        ]
        if let account = row.account { fields["account_id"] = .string(account) }
        if let amount = row.amountCents {
            fields["amount_minor"] = .int(amount)
            fields["amount_cents"] = .int(amount)  // deprecated alias
        }
        if let currency = row.currency { fields["currency"] = .string(currency) }
        if let reason = row.parkedReason { fields["parked_reason"] = .string(reason) }
        if let state = try? JSONValue.parse(Array(row.stateJSON.utf8)) { fields["state"] = state }
        if row.status == "parked" {
            switch releasable(row) {
            case .success(let net)?:
                fields["would_release_minor"] = .int(net)
                fields["would_release_cents"] = .int(net)  // deprecated alias
            case .failure(let refusal)?: fields["release_refused"] = .string(refusal.description)
            case nil: break
            }
        }
        return .object(fields)
    }

    /// What `payments release` would credit for a parked payment (net), or why it cannot;
    /// nil when the state is not readable here (a version-1 state, converted on its next event).
    public func releasable(_ row: StripeStore.PaymentRow) -> Result<Int64, CardPayment.ReleaseRefusal>? {
        guard let payment = try? JSONDecoder().decode(CardPayment.self, from: Data(row.stateJSON.utf8)) else { return nil }
        return payment.releasable(walletCurrencies: walletCurrencies)
    }

    public static func eventSummaryJSON(_ row: StripeStore.EventRow) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(row.id), "type": .string(row.type), "outcome": .string(row.outcome),
            "created": .string(Timestamp.rfc3339(millis: row.created * 1000)),
            "received_at": .string(Timestamp.rfc3339(millis: row.receivedAtMillis)),
            "livemode": .bool(row.livemode),
        ]
        if let note = row.note { fields["note"] = .string(note) }
        if let version = row.apiVersion { fields["api_version"] = .string(version) }
        if let pi = row.paymentIntent { fields["payment_intent"] = .string(pi) }
        return .object(fields)
    }

    public func paymentsTable(_ rows: [StripeStore.PaymentRow]) -> TextTable {
        var table = TextTable("PAYMENT", "STATUS", "ACCOUNT", "AMOUNT", "CURRENCY", "UPDATED", "REASON", "RELEASE")
        for row in rows {
            let release: String = switch row.status == "parked" ? releasable(row) : nil {
            case .success(let net)?: "+\(Self.format(net, row.currency)) net"
            case .failure(let refusal)?: Self.shortRefusal(refusal)
            case nil: ""
            }
            table.add(
                row.paymentIntent, row.status, row.account ?? "-", row.amountCents.map { Self.format($0, row.currency) } ?? "-",
                row.currency ?? "-", Timestamp.rfc3339(millis: row.updatedAtMillis), row.parkedReason ?? "", release
            )
        }
        return table
    }

    /// Minor units in the payment's currency's notation; raw when the currency is unknown.
    public static func format(_ minor: Int64, _ currency: String?) -> String {
        guard let currency = currency.flatMap({ try? Currency($0) }) else { return String(minor) }
        return currency.format(minor)
    }

    static func shortRefusal(_ refusal: CardPayment.ReleaseRefusal) -> String {
        switch refusal {
        case .livemodeMismatch: "refused: other mode"
        case .notPaid: "refused: not paid"
        case .invalidAmount: "refused: amount"
        case .currency(let payment, _): "refused: \(payment.uppercased())"
        case .notParked, .unknownAccount: ""
        }
    }
}
