/// Small named values the gateway must remember across restarts (e.g. the xpub fingerprint).
public enum SettingsStore {
    public static func get(_ key: String, _ db: any SQLExecutor) async throws -> String? {
        try await db.queryOne("SELECT value FROM settings WHERE key = $1", [.text(key)])?.text("value")
    }

    public static func set(_ key: String, _ value: String, now: Int64, _ db: any SQLExecutor) async throws {
        try await db.query(
            """
            INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """,
            [.text(key), .text(value), .int(now)]
        )
    }
}
