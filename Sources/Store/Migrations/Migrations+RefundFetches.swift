extension Migrations {
    static let refundFetches = Migration(version: 7, name: "stripe: charges whose refunds are fetched from the API", statements: [
        // A charge.refunded without refund objects cannot say which refund moved; with an API
        // key the charge's refunds are listed and applied one by one. One row per charge,
        // re-armed by every such event; `done_at` is NULL while work is due.
        """
        CREATE TABLE stripe_refund_fetches (
            charge_id TEXT PRIMARY KEY,
            payment_intent TEXT NOT NULL,
            requested_at BIGINT NOT NULL,
            attempts BIGINT NOT NULL,
            next_attempt_at BIGINT NOT NULL,
            last_error TEXT,
            done_at BIGINT
        )
        """,
        "CREATE INDEX stripe_refund_fetches_due ON stripe_refund_fetches (done_at, next_attempt_at)",
    ])
}
