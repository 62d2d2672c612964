extension Migrations {
    /// Console sign-ins: the SHA-256 of the session cookie (the cookie itself is never stored),
    /// the operator it names, its CSRF token and its expiry. Shared by every instance.
    static let consoleSessions = Migration(version: 14, name: "console sessions", statements: [
        """
        CREATE TABLE console_sessions (
            id_hash TEXT PRIMARY KEY,
            operator TEXT NOT NULL,
            token_fingerprint TEXT NOT NULL,
            csrf TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)",
    ])
}
