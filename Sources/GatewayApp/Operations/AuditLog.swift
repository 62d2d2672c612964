import Crypto
import Foundation
import GatewayCore
import Store

/// The append-only, hash-chained record of what operators did: adjustments, retries,
/// reconciliation fixes, key changes.
///
/// Each entry's hash is SHA-256 over the canonical JSON of its fields and the previous entry's
/// hash, so editing or deleting any entry breaks every link after it, and `verify` names the
/// first broken one.
public enum AuditLog {
    /// The `prev_hash` of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// Appends an entry in the caller's transaction.
    @discardableResult
    public static func append(
        _ action: String, subject: String, operator name: OperatorName, details: JSONValue, now: Int64, _ db: any SQLExecutor
    ) async throws -> AuditStore.Row {
        let tail = try await AuditStore.tail(db)
        var row = AuditStore.Row(
            seq: (tail?.seq ?? 0) + 1, atMillis: now, operatorName: name.rawValue, action: action, subject: subject,
            detailsJSON: details.canonicalText, prevHash: tail?.hash ?? genesis, hash: ""
        )
        row.hash = hash(of: row)
        try await AuditStore.insert(row, db)
        return row
    }

    /// Runs a transaction that appends to the log, again if a concurrent append won the tail.
    public static func withRetry<T: Sendable>(_ attempt: () async throws -> T) async throws -> T {
        var tries = 0
        while true {
            do { return try await attempt() } catch StoreError.uniqueViolation where tries < maxAppendAttempts {
                tries += 1
            }
        }
    }

    /// Concurrent operators are rare; a handful of lost races is already exceptional.
    static let maxAppendAttempts = 5

    public static func hash(of row: AuditStore.Row) -> String {
        let covered = JSONValue.object([
            "seq": .int(row.seq), "at": .int(row.atMillis), "operator": .string(row.operatorName),
            "action": .string(row.action), "subject": .string(row.subject), "details": .string(row.detailsJSON),
            "prev_hash": .string(row.prevHash),
        ])
        return Digest.sha256Hex(covered.canonicalText)
    }

    public struct Break: Sendable, Equatable {
        public let seq: Int64
        public let problem: String
    }

    /// Walks the whole chain; the first entry that does not follow from the one before it.
    public static func verify(_ database: any Database, pageSize: Int = 1_000) async throws -> (checked: Int, firstBreak: Break?) {
        var previousHash = genesis
        var previousSeq: Int64 = 0
        var checked = 0
        while true {
            let from = previousSeq
            let page = try await database.transaction { db in try await AuditStore.page(afterSeq: from, limit: pageSize, db) }
            for row in page {
                if row.seq != previousSeq + 1 {
                    return (checked, Break(seq: row.seq, problem: "entry \(previousSeq + 1) is missing (next is \(row.seq))"))
                }
                if row.prevHash != previousHash {
                    return (checked, Break(seq: row.seq, problem: "prev_hash does not match the hash of entry \(previousSeq)"))
                }
                if hash(of: row) != row.hash {
                    return (checked, Break(seq: row.seq, problem: "contents do not match its hash (edited after it was written)"))
                }
                previousHash = row.hash
                previousSeq = row.seq
                checked += 1
            }
            if page.count < pageSize { return (checked, nil) }
        }
    }

    public static func list(_ database: any Database, afterSeq: Int64 = 0, limit: Int) async throws -> [AuditStore.Row] {
        try await database.transaction { db in try await AuditStore.page(afterSeq: afterSeq, limit: limit, db) }
    }

    public static func json(_ row: AuditStore.Row) -> JSONValue {
        .object([
            "seq": .int(row.seq), "at": .string(Timestamp.rfc3339(millis: row.atMillis)), "operator": .string(row.operatorName),
            "action": .string(row.action), "subject": .string(row.subject),
            "details": (try? JSONValue.parse(Array(row.detailsJSON.utf8))) ?? .string(row.detailsJSON),
            "prev_hash": .string(row.prevHash), "hash": .string(row.hash),
        ])
    }
}

/// Who did it: a short printable name, from `--operator`, `GATEWAY_OPERATOR` or `USER`.
public struct OperatorName: Sendable, Equatable, CustomStringConvertible {
    public static let maxLength = 100
    public let rawValue: String

    public init(_ raw: String) throws(ConfigError) {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= Self.maxLength,
              trimmed.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw ConfigError(key: "--operator", problem: "must be 1–\(Self.maxLength) printable characters")
        }
        rawValue = trimmed
    }

    /// The explicit name, else the environment's, else "unknown".
    public static func resolve(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> OperatorName {
        if let explicit { return try OperatorName(explicit) }
        for key in ["GATEWAY_OPERATOR", "USER"] {
            if let value = environment[key], let name = try? OperatorName(value) { return name }
        }
        return try OperatorName("unknown")
    }

    public var description: String { rawValue }
}
