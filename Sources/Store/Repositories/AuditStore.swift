/// The operators' append-only audit log, as stored. Hashing lives with the caller
/// (`AuditLog`), which alone decides what a row's hash covers.
public enum AuditStore {
    public struct Row: Sendable, Equatable {
        public var seq: Int64
        public var atMillis: Int64
        public var operatorName: String
        public var action: String
        public var subject: String
        public var detailsJSON: String
        public var prevHash: String
        public var hash: String

        public init(
            seq: Int64, atMillis: Int64, operatorName: String, action: String, subject: String, detailsJSON: String,
            prevHash: String, hash: String
        ) {
            self.seq = seq
            self.atMillis = atMillis
            self.operatorName = operatorName
            self.action = action
            self.subject = subject
            self.detailsJSON = detailsJSON
            self.prevHash = prevHash
            self.hash = hash
        }
    }

    /// The newest row. On PostgreSQL the table is locked against other writers first, so
    /// concurrent appenders queue and each reads the tail the previous one committed (a row
    /// lock would not do: an empty table has no row to lock, and a waiter would still see the
    /// old tail). SQLite has one writer already.
    public static func tail(_ db: any SQLExecutor) async throws -> Row? {
        if db.dialect == .postgres { try await db.query("LOCK TABLE audit_log IN EXCLUSIVE MODE") }
        return try await db.queryOne("SELECT \(columns) FROM audit_log ORDER BY seq DESC LIMIT 1").map(row)
    }

    /// Inserts in the caller's transaction. A concurrent append after the same tail fails the
    /// UNIQUE on `prev_hash` (`StoreError.uniqueViolation`); the caller retries.
    public static func insert(_ entry: Row, _ db: any SQLExecutor) async throws {
        try await db.query(
            """
            INSERT INTO audit_log (seq, at, operator, action, subject, details, prev_hash, hash)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            [
                .int(entry.seq), .int(entry.atMillis), .text(entry.operatorName), .text(entry.action), .text(entry.subject),
                .text(entry.detailsJSON), .text(entry.prevHash), .text(entry.hash),
            ]
        )
    }

    /// Rows in order, a page at a time.
    public static func page(afterSeq: Int64, limit: Int, _ db: any SQLExecutor) async throws -> [Row] {
        try await db.query(
            "SELECT \(columns) FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2", [.int(afterSeq), .int(Int64(limit))]
        ).map(row)
    }

    /// The newest entries, newest first.
    public static func latest(limit: Int, _ db: any SQLExecutor) async throws -> [Row] {
        try await db.query("SELECT \(columns) FROM audit_log ORDER BY seq DESC LIMIT $1", [.int(Int64(limit))]).map(row)
    }

    static let columns = "seq, at, operator, action, subject, details, prev_hash, hash"

    static func row(_ row: SQLRow) throws -> Row {
        Row(
            seq: try row.int("seq"), atMillis: try row.int("at"), operatorName: try row.text("operator"),
            action: try row.text("action"), subject: try row.text("subject"), detailsJSON: try row.text("details"),
            prevHash: try row.text("prev_hash"), hash: try row.text("hash")
        )
    }
}
