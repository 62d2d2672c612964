/// Rows of the shared rate book. Values are plain text and integers; the Rates module gives
/// them meaning.
public enum ExchangeRateStore {
    public struct Row: Sendable, Equatable {
        public var pair: String
        public var field: String?
        public var price: String?
        public var source: String?
        public var fetchedAtMillis: Int64?
        public var heldPrice: String?
        public var heldAtMillis: Int64?
        public var lastError: String?
        public var lastErrorAtMillis: Int64?

        public init(
            pair: String, field: String?, price: String?, source: String?, fetchedAtMillis: Int64?, heldPrice: String?,
            heldAtMillis: Int64?, lastError: String?, lastErrorAtMillis: Int64?
        ) {
            self.pair = pair
            self.field = field
            self.price = price
            self.source = source
            self.fetchedAtMillis = fetchedAtMillis
            self.heldPrice = heldPrice
            self.heldAtMillis = heldAtMillis
            self.lastError = lastError
            self.lastErrorAtMillis = lastErrorAtMillis
        }
    }

    public static func save(_ row: Row, now: Int64, _ db: any SQLExecutor) async throws {
        try await db.query(
            """
            INSERT INTO exchange_rates (pair, field, price, source, fetched_at, held_price, held_at, last_error, last_error_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (pair) DO UPDATE SET field = excluded.field, price = excluded.price, source = excluded.source,
                fetched_at = excluded.fetched_at, held_price = excluded.held_price, held_at = excluded.held_at,
                last_error = excluded.last_error, last_error_at = excluded.last_error_at, updated_at = excluded.updated_at
            """,
            [
                .text(row.pair), .optional(row.field), .optional(row.price), .optional(row.source), .optional(row.fetchedAtMillis),
                .optional(row.heldPrice), .optional(row.heldAtMillis), .optional(row.lastError), .optional(row.lastErrorAtMillis),
                .int(now),
            ]
        )
    }

    public static func all(_ db: any SQLExecutor) async throws -> [Row] {
        try await db.query(
            "SELECT pair, field, price, source, fetched_at, held_price, held_at, last_error, last_error_at FROM exchange_rates ORDER BY pair"
        ).map { row in
            Row(
                pair: try row.text("pair"), field: try row.optionalText("field"), price: try row.optionalText("price"),
                source: try row.optionalText("source"), fetchedAtMillis: try row.optionalInt("fetched_at"),
                heldPrice: try row.optionalText("held_price"), heldAtMillis: try row.optionalInt("held_at"),
                lastError: try row.optionalText("last_error"), lastErrorAtMillis: try row.optionalInt("last_error_at")
            )
        }
    }
}
