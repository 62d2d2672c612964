import GatewayCore
import Store

/// Puts credits into the outbox the way ingestion does: in a transaction of their own.
public enum OutboxSeeding {
    public static func credit(_ key: String, account: String, cents: Int64, currency: Currency = .usd) throws -> OutboxRequest {
        OutboxRequest(
            key: try IdempotencyKey(key), account: try AccountID(account), direction: .credit,
            amount: try PositiveCents(cents), currency: currency, kind: .adjustment, reference: key, description: "test credit",
            detailsJSON: #"{"seed":"\#(key)"}"#
        )
    }

    public static func enqueue(_ requests: [OutboxRequest], into database: any Database, now: Int64 = 0) async throws {
        for chunk in stride(from: 0, to: requests.count, by: 50).map({ requests[$0..<min($0 + 50, requests.count)] }) {
            try await database.transaction { db in
                for request in chunk { try await OutboxStore.enqueue(request, now: now, db) }
            }
        }
    }
}
