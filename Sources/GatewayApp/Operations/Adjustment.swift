import Foundation
import GatewayCore
import Store

/// An operator's credit or debit, written with its audit entry in one transaction and delivered
/// through the outbox like every other wallet effect.
public struct Adjustment: Sendable, Equatable {
    /// Long enough for a ticket reference and a sentence; it is shown in every listing.
    public static let maxReasonLength = 500

    public let account: AccountID
    /// Signed: positive credits, negative debits.
    public let amountCents: Int64
    public let reason: String
    public let operatorName: OperatorName
    /// A debit may take the balance below zero only when asked.
    public let allowNegative: Bool
    /// Given by the operator to make re-running the same command harmless; generated otherwise.
    public let key: IdempotencyKey

    public init(
        account: String, amountCents: Int64, reason: String, operatorName: OperatorName, allowNegative: Bool, key: String?
    ) throws(OperatorError) {
        do { self.account = try AccountID(account) } catch { throw OperatorError(.usage, "--account: \(error.message)") }
        guard amountCents != 0, amountCents != .min else {
            throw OperatorError(.usage, "--amount-minor must be a non-zero whole number of minor units (negative for a debit)")
        }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= Self.maxReasonLength else {
            throw OperatorError(.usage, "--reason must be 1–\(Self.maxReasonLength) characters")
        }
        do { self.key = try IdempotencyKey.adjustment(key ?? UUID().uuidString.lowercased()) } catch { throw OperatorError(.usage, "--key: \(error.message)") }
        self.amountCents = amountCents
        self.reason = trimmed
        self.operatorName = operatorName
        self.allowNegative = allowNegative
    }

    /// The amount is in the account's currency, as every wallet amount is.
    func request(currency: Currency) throws -> OutboxRequest {
        let details = JSONValue.object([
            "source": .string("operator"), "operator": .string(operatorName.rawValue), "reason": .string(reason),
        ])
        return OutboxRequest(
            key: key, account: account, direction: amountCents > 0 ? .credit : .debit,
            // `init` refused Int64.min, so the magnitude always fits.
            amount: try PositiveCents(Int64(amountCents.magnitude)), currency: currency,
            kind: .adjustment, reference: "adjustment", description: "Adjustment: \(reason)",
            detailsJSON: details.canonicalText, allowNegative: allowNegative
        )
    }

    public enum Outcome: Sendable, Equatable {
        case recorded(auditSeq: Int64)
        /// The same key was recorded before with the same amount and account: nothing new.
        case alreadyRecorded
    }

    /// Records the adjustment; an unknown account or a reused key with other values is refused.
    public func record(in database: any Database, now: Int64) async throws -> Outcome {
        try await AuditLog.withRetry {
            try await database.transaction { db in
                guard let held = try await WalletStore.account(account, db) else {
                    throw OperatorError(.refused, "unknown account \(account); nothing recorded")
                }
                let request = try self.request(currency: held.currency)
                if let existing = try await db.queryOne(
                    "SELECT account_id, direction, amount_cents FROM outbox WHERE idempotency_key = $1", [.text(key.rawValue)]
                ) {
                    let same = try existing.text("account_id") == account.rawValue
                        && existing.text("direction") == request.direction.rawValue
                        && existing.int("amount_cents") == request.amount.value
                    guard same else {
                        throw OperatorError(.refused, "key \(key) was already used for a different adjustment; nothing recorded")
                    }
                    return .alreadyRecorded
                }
                let entry = try await AuditLog.append(
                    "adjustment", subject: account.rawValue, operator: operatorName,
                    details: .object([
                        "idempotency_key": .string(key.rawValue), "amount_minor": .int(amountCents),
                        "currency": .string(held.currency.code), "reason": .string(reason),
                        "allow_negative": .bool(allowNegative),
                    ]),
                    now: now, db
                )
                // A concurrent adjust with the same key may have won since the check above:
                // then nothing of this one may stand, audit entry included.
                guard try await OutboxStore.enqueue(request, now: now, db) else {
                    throw OperatorError(.refused, "key \(key) was recorded concurrently; run the command again to compare")
                }
                return .recorded(auditSeq: entry.seq)
            }
        }
    }
}
