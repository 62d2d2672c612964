import GatewayCore
import Store

/// What a deposit's departures from and returns to the canonical chain do to the wallet: each
/// departure of a credited deposit is one reversal, each return one re-credit, counted in
/// epochs so that the wallet follows the chain however often it changes its mind.
enum DepositCompensation {
    /// Records deposits seen on the canonical chain (the watcher's scan and `reconcile chain
    /// --fix` alike). A credited deposit that a deep reorg had removed and that is canonical
    /// again is credited again; if its credit was debited back, that debit is undone by a
    /// re-credit in the same transaction.
    static func record(_ deposits: [DepositRecord], chain: Chain, now: Int64, _ db: any SQLExecutor) async throws {
        for deposit in try await DepositStore.observeMany(deposits, now: now, db) {
            let (reversals, recredits) = try await compensations(of: deposit, db)
            guard reversals > recredits, let recredit = try recredit(of: deposit, chain: chain, epoch: reversals) else { continue }
            try await OutboxStore.enqueue(recredit, now: now, db)
        }
    }

    /// Compensation epochs are bounded: a deposit that left and came back this often is for a
    /// person, not for a loop.
    static let maxCompensationEpochs = 1_000

    /// How many reversals and re-credits of the deposit exist: epoch 1 is `…:reversal` and
    /// `…:recredit` (the keys written before epochs), epoch n > 1 `…:reversal:n`, `…:recredit:n`.
    static func compensations(of deposit: DepositRecord, _ db: any SQLExecutor) async throws -> (reversals: Int, recredits: Int) {
        func count(_ kind: KeyFormat.Compensation) async throws -> Int {
            var n = 0
            while n < maxCompensationEpochs, try await OutboxStore.exists(key: KeyFormat.compensation(of: deposit.key.rawValue, kind, epoch: n + 1), db) { n += 1 }
            return n
        }
        return (try await count(.reversal), try await count(.recredit))
    }

    /// The debit that takes back a credit whose deposit a deep reorg removed.
    static func reversal(of deposit: DepositRecord, chain: Chain, epoch: Int = 1) throws -> OutboxRequest? {
        // The money may already be spent; the debit must land anyway.
        try compensation(
            of: deposit, chain: chain, key: try IdempotencyKey.compensation(of: deposit.key.rawValue, .reversal, epoch: epoch), direction: .debit, reason: "deep_reorg", allowNegative: true,
            description: "Reversal: deposit \(deposit.txHash) left the canonical chain after it was credited",
            details: ["block_number": .int(Int64(deposit.blockNumber)), "block_hash": .string(deposit.blockHash)]
        )
    }

    /// The credit that undoes a reversal once its deposit is canonical again.
    static func recredit(of deposit: DepositRecord, chain: Chain, epoch: Int = 1) throws -> OutboxRequest? {
        try compensation(
            of: deposit, chain: chain, key: try IdempotencyKey.compensation(of: deposit.key.rawValue, .recredit, epoch: epoch), direction: .credit, reason: "reincluded_after_deep_reorg", allowNegative: false,
            description: "Re-credit: deposit \(deposit.txHash) is on the canonical chain again"
        )
    }

    /// A wallet effect of the deposit's credited amount, keyed by the deposit's key and a
    /// suffix; nil when the deposit was never credited an amount.
    private static func compensation(
        of deposit: DepositRecord, chain: Chain, key: IdempotencyKey, direction: Direction, reason: String, allowNegative: Bool, description: String,
        details: [String: JSONValue] = [:]
    ) throws -> OutboxRequest? {
        guard let credit = deposit.credit, credit.minor > 0 else { return nil }
        return OutboxRequest(
            key: key, account: deposit.account, direction: direction,
            amount: try PositiveCents(credit.minor), currency: credit.currency, kind: .adjustment, reference: deposit.txHash, description: description,
            detailsJSON: JSONValue.object(details.merging([
                "source": .string(chain.rawValue), "reason": .string(reason), "deposit_key": .string(deposit.key.rawValue),
            ]) { _, common in common }).canonicalText,
            allowNegative: allowNegative
        )
    }
}
