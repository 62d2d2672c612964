/// Console sessions, keyed by the hash of their cookie.
public enum ConsoleSessionStore {
    public struct Session: Sendable, Equatable {
        public let operatorName: String
        /// Of the operator's token when the session began; a changed token ends the session.
        public let tokenFingerprint: String
        public let csrf: String
        public let expiresAtMillis: Int64
    }

    public static func create(
        idHash: String, operatorName: String, tokenFingerprint: String, csrf: String, now: Int64, expiresAt: Int64, _ db: any SQLExecutor
    ) async throws {
        // Sign-ins are rare; clearing expired ones here keeps the table small without a job.
        try await db.query("DELETE FROM console_sessions WHERE expires_at < $1", [.int(now)])
        try await db.query(
            "INSERT INTO console_sessions (id_hash, operator, token_fingerprint, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            [.text(idHash), .text(operatorName), .text(tokenFingerprint), .text(csrf), .int(now), .int(expiresAt)]
        )
    }

    /// The live session, if any: an expired one reads as none.
    public static func find(idHash: String, now: Int64, _ db: any SQLExecutor) async throws -> Session? {
        try await db.queryOne(
            "SELECT operator, token_fingerprint, csrf, expires_at FROM console_sessions WHERE id_hash = $1 AND expires_at >= $2",
            [.text(idHash), .int(now)]
        ).map {
            Session(
                operatorName: try $0.text("operator"), tokenFingerprint: try $0.text("token_fingerprint"), csrf: try $0.text("csrf"),
                expiresAtMillis: try $0.int("expires_at")
            )
        }
    }

    public static func delete(idHash: String, _ db: any SQLExecutor) async throws {
        try await db.query("DELETE FROM console_sessions WHERE id_hash = $1", [.text(idHash)])
    }
}
