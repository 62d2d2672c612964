/// Every schema version this binary knows, oldest first.
///
/// Types: BIGINT for integers (cents, token units that fit, counts, ms timestamps), TEXT for
/// everything else, including wei-sized amounts as exact decimal text and JSON documents.
public enum Migrations {
    public static let all: [Migration] = [foundation, stripe, depositAddresses, exchangeRates, chainWatcher, operations, refundFetches, depositIdentity, chainRescans, rescanStarts, addressesPerChain, pendingIndexes, currencies, consoleSessions]

    public static var latestVersion: Int { all.last?.version ?? 0 }

    static let foundation = Migration(version: 1, name: "foundation: settings, wallet ledger, outbox", statements: [
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE accounts (
            id TEXT PRIMARY KEY,
            currency TEXT NOT NULL CHECK (currency = 'USD'),
            balance_cents BIGINT NOT NULL DEFAULT 0,
            created_at BIGINT NOT NULL
        )
        """,
        // The wallet ledger: append-only; one row per applied idempotency key.
        """
        CREATE TABLE ledger_entries (
            id {ID},
            account_id TEXT NOT NULL REFERENCES accounts(id),
            idempotency_key TEXT NOT NULL UNIQUE,
            request_hash TEXT NOT NULL,
            kind TEXT NOT NULL,
            amount_cents BIGINT NOT NULL CHECK (amount_cents <> 0),
            balance_after_cents BIGINT NOT NULL,
            reference TEXT NOT NULL,
            description TEXT NOT NULL,
            details TEXT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX ledger_entries_by_account ON ledger_entries (account_id, id)",
        // The gateway's outbox: one row per external fact's wallet effect, keyed like the wallet.
        """
        CREATE TABLE outbox (
            id {ID},
            idempotency_key TEXT NOT NULL UNIQUE,
            account_id TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('credit', 'debit')),
            amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
            kind TEXT NOT NULL,
            reference TEXT NOT NULL,
            description TEXT NOT NULL,
            details TEXT NOT NULL,
            allow_negative BIGINT NOT NULL DEFAULT 0,
            status TEXT NOT NULL CHECK (status IN ('pending', 'retrying', 'delivered', 'parked')),
            attempts BIGINT NOT NULL DEFAULT 0,
            next_attempt_at BIGINT NOT NULL,
            claimed_until BIGINT,
            claim_token TEXT,
            last_error TEXT,
            parked_reason TEXT,
            wallet_entry_id TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            delivered_at BIGINT
        )
        """,
        "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
    ])

    static let stripe = Migration(version: 2, name: "stripe: event inbox, payments, refunds, disputes", statements: [
        // The inbox: every verified event, keyed by its evt_ id, raw payload kept.
        """
        CREATE TABLE stripe_events (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            created BIGINT NOT NULL,
            api_version TEXT,
            livemode BIGINT NOT NULL,
            payload TEXT NOT NULL,
            received_at BIGINT NOT NULL,
            outcome TEXT NOT NULL,
            note TEXT,
            payment_intent TEXT
        )
        """,
        "CREATE INDEX stripe_events_by_payment ON stripe_events (payment_intent, created)",
        // One row per PaymentIntent: the state machine's JSON, with the columns operators filter on.
        """
        CREATE TABLE stripe_payments (
            payment_intent TEXT PRIMARY KEY,
            account_id TEXT,
            status TEXT NOT NULL,
            amount_cents BIGINT,
            currency TEXT,
            parked_reason TEXT,
            state TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX stripe_payments_by_status ON stripe_payments (status, updated_at)",
        "CREATE TABLE stripe_unhandled_counts (type TEXT PRIMARY KEY, count BIGINT NOT NULL)",
    ])

    static let depositAddresses = Migration(version: 3, name: "deposit addresses", statements: [
        """
        CREATE TABLE deposit_addresses (
            id {ID},
            account_id TEXT NOT NULL UNIQUE,
            key_id TEXT NOT NULL,
            address_index BIGINT NOT NULL,
            address TEXT NOT NULL UNIQUE,
            created_at BIGINT NOT NULL,
            UNIQUE (key_id, address_index)
        )
        """,
    ])

    static let exchangeRates = Migration(version: 4, name: "exchange rates", statements: [
        // The rate book, shared by every process: the last accepted price per pair, a price
        // held by the deviation guard, and the last fetch error. Prices are exact decimal text.
        """
        CREATE TABLE exchange_rates (
            pair TEXT PRIMARY KEY,
            field TEXT,
            price TEXT,
            source TEXT,
            fetched_at BIGINT,
            held_price TEXT,
            held_at BIGINT,
            last_error TEXT,
            last_error_at BIGINT,
            updated_at BIGINT NOT NULL
        )
        """,
    ])

    static let chainWatcher = Migration(version: 5, name: "chain watcher: deposits, canonical headers, cursor, leases", statements: [
        // One row per external fact (chain, tx, log index; -1 for native ETH), never deleted.
        """
        CREATE TABLE deposits (
            id {ID},
            deposit_key TEXT NOT NULL UNIQUE,
            chain_id BIGINT NOT NULL,
            tx_hash TEXT NOT NULL,
            log_index BIGINT NOT NULL,
            account_id TEXT NOT NULL,
            address TEXT NOT NULL,
            asset TEXT NOT NULL,
            amount_units TEXT NOT NULL,
            block_number BIGINT NOT NULL,
            block_hash TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            usd_cents BIGINT,
            exact_usd TEXT,
            rate_pair TEXT,
            rate_field TEXT,
            rate_price TEXT,
            rate_source TEXT,
            rate_fetched_at BIGINT,
            seen_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            credited_at BIGINT,
            UNIQUE (chain_id, tx_hash, log_index)
        )
        """,
        "CREATE INDEX deposits_by_status ON deposits (status, block_number)",
        "CREATE INDEX deposits_by_account ON deposits (account_id, id)",
        // The canonical headers of a window behind the cursor, to find where a reorg forked.
        """
        CREATE TABLE chain_headers (
            chain_id BIGINT NOT NULL,
            number BIGINT NOT NULL,
            hash TEXT NOT NULL,
            parent_hash TEXT NOT NULL,
            PRIMARY KEY (chain_id, number)
        )
        """,
        """
        CREATE TABLE chain_cursor (
            chain_id BIGINT PRIMARY KEY,
            number BIGINT NOT NULL,
            head BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
        // Leader election without a broker: one row per role, held until it expires.
        "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL)",
    ])
}

extension Migrations {
    static let operations = Migration(version: 6, name: "operations: audit log, outgoing transfers", statements: [
        // Append-only and hash-chained: each row carries the hash of the row before it. The
        // UNIQUE on prev_hash makes a fork impossible: two concurrent appends after the same row
        // cannot both commit, so the loser retries on the new tail.
        """
        CREATE TABLE audit_log (
            seq BIGINT PRIMARY KEY,
            at BIGINT NOT NULL,
            operator TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            details TEXT NOT NULL,
            prev_hash TEXT NOT NULL UNIQUE,
            hash TEXT NOT NULL
        )
        """,
        // Money leaving a deposit address (a sweep, or anything else signed elsewhere), so that
        // balance reconciliation can explain on-chain balances: deposits in minus these.
        """
        CREATE TABLE outgoing_transfers (
            id {ID},
            chain_id BIGINT NOT NULL,
            tx_hash TEXT NOT NULL,
            log_index BIGINT NOT NULL,
            address TEXT NOT NULL,
            asset TEXT NOT NULL,
            amount_units TEXT NOT NULL,
            fee_units TEXT NOT NULL,
            block_number BIGINT NOT NULL,
            block_hash TEXT NOT NULL,
            seen_at BIGINT NOT NULL,
            UNIQUE (chain_id, tx_hash, log_index)
        )
        """,
        "CREATE INDEX outgoing_by_address ON outgoing_transfers (address, block_number)",
    ])
}
