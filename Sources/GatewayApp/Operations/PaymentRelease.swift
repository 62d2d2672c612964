import Foundation
import GatewayCore
import Store

/// An operator releases a card payment parked for them: it is credited to the account they
/// name, net of its refunds and disputes, with its audit entry in the same transaction.
public struct PaymentRelease: Sendable {
    public let paymentIntent: String
    public let account: AccountID
    public let operatorName: OperatorName
    public let reason: String

    public init(paymentIntent: String, account: String, operatorName: OperatorName, reason: String) throws(OperatorError) {
        guard paymentIntent.hasPrefix("pi_"), paymentIntent.count <= 255 else {
            throw OperatorError(.usage, "the payment must be a PaymentIntent id (pi_…)")
        }
        do { self.account = try AccountID(account) } catch { throw OperatorError(.usage, "--account: \(error.message)") }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= Adjustment.maxReasonLength else {
            throw OperatorError(.usage, "--reason must be 1–\(Adjustment.maxReasonLength) characters")
        }
        self.paymentIntent = paymentIntent
        self.operatorName = operatorName
        self.reason = trimmed
    }

    public enum Outcome: Sendable, Equatable {
        /// Credited now: the net, the effects' keys and the audit entry.
        case released(netCents: Int64, keys: [String], auditSeq: Int64)
        /// Released before; nothing happened again.
        case alreadyReleased(account: String, operatorName: String)
    }

    /// Releases the payment, or throws `OperatorError(.refused)` saying why not (nothing changes).
    public func record(
        in database: any Database, livemode: Bool, walletCurrencies: Set<Currency>, now: Int64
    ) async throws -> Outcome {
        try await AuditLog.withRetry {
            try await database.transaction { db in
                guard try await StripeStore.payment(paymentIntent, db) != nil else {
                    throw OperatorError(.refused, "no payment \(paymentIntent) was recorded; nothing to release")
                }
                var payment = try await PaymentStates.lock(paymentIntent, livemode: livemode, excluding: nil, now: now, db)
                let held = try await WalletStore.account(account, db)?.currency
                let from = payment.parkedReason
                switch payment.release(
                    to: account, accountCurrency: held, walletCurrencies: walletCurrencies, operatorName: operatorName.rawValue, reason: reason
                ) {
                case .failure(let refusal):
                    throw OperatorError(.refused, "cannot release \(paymentIntent): \(refusal)")
                case .success(.alreadyReleased(let release)):
                    return .alreadyReleased(account: release.account, operatorName: release.operatorName)
                case .success(.released(let effects)):
                    try await StripeIngest.enqueue(effects, eventID: "release", paymentIntent: paymentIntent, now: now, db)
                    try await PaymentStates.save(payment, now: now, db)
                    let net = effects.reduce(0) { $0 + $1.amountCents }
                    let entry = try await AuditLog.append(
                        "payments.release", subject: paymentIntent, operator: operatorName,
                        details: .object([
                            "account_id": .string(account.rawValue), "reason": .string(reason), "net_cents": .int(net),
                            "parked_reason": .string(from ?? ""), "keys": .array(effects.map { .string($0.key.rawValue) }),
                            "currency": .string(effects.first?.currency.code ?? ""),
                        ]),
                        now: now, db
                    )
                    return .released(netCents: net, keys: effects.map(\.key.rawValue), auditSeq: entry.seq)
                }
            }
        }
    }
}
