import Ethereum
import GatewayCore
import Logging
import Rates
import Store

/// Credits deposits that are deep enough and whose block the node still vouches for, at the
/// rate of that moment; writes each credit with its status change, under the watcher's lease.
struct DepositConfirmer: Sendable {
    let node: any EthereumNode
    let chain: ChainDescription
    let database: any Database
    let rates: RatesRepository
    let clock: WallClock
    let metrics: GatewayMetrics
    let logger: Logger
    let write: FencedWrites

    var chainID: UInt64 { chain.chainID }

    /// Deposits confirmed per step, per asset and status: deposits waiting for one asset's
    /// rate never hold back another asset's, nor new deposits of the same asset.
    static let confirmBatch = 200

    /// Credits deposits that are deep enough and whose block is still canonical now.
    func confirm(head: UInt64) async throws -> Int {
        guard head + 1 >= chain.confirmations else { return 0 }
        let maxBlock = head + 1 - chain.confirmations
        let (ready, currencies) = try await database.transaction { db in
            let ready = try await DepositStore.pendingFairly(chainID: chainID, maxBlock: maxBlock, limitPerGroup: Self.confirmBatch, db)
            // Each deposit converts into its account's currency, at that currency's ticker.
            return (ready, try await WalletStore.currencies(of: ready.map(\.account), db))
        }
        guard !ready.isEmpty else { return 0 }
        let book = try await rates.load()
        // A deposit already waiting for a rate that is still unusable has nothing to do this
        // step: its block is not asked for, so a rate outage costs no header requests.
        let decisionTime = clock.nowMillis()
        let actionable = ready.filter { deposit in
            guard deposit.status == .awaitingRate, let currency = currencies[deposit.account],
                  case .awaitRate = DepositConversionDecision.decide(deposit.amount, into: currency, book: book, now: decisionTime) else {
                return true
            }
            return false
        }
        guard !actionable.isEmpty else { return 0 }
        let numbers = Array(Set(actionable.map(\.blockNumber))).sorted()
        let canonical = Dictionary(uniqueKeysWithValues: zip(numbers, try await node.headers(numbers)).map { ($0, $1?.hash) })
        var credited = 0
        // Deposits that start waiting for a rate, written in one transaction at the end of the
        // step: during a rate outage a catch-up would otherwise commit once per deposit.
        var waiting: [(key: IdempotencyKey, reason: String)] = []
        for deposit in actionable {
            let now = clock.nowMillis()
            guard canonical[deposit.blockNumber] == deposit.blockHash else {
                // The node does not vouch for the block now: it has no header at that height (a
                // lagging or load-balanced endpoint) or another one. Wait and look again. Only
                // the reorg path, which walks parent hashes to the fork, decides that a
                // deposit left the chain.
                metrics.confirmDeferred(chain.chain)
                logger.debug("deposit's block not confirmed by the node; waiting", metadata: [
                    "deposit": "\(deposit.key)", "block": "\(deposit.blockNumber)",
                    "node_hash": "\(canonical[deposit.blockNumber].flatMap { $0 } ?? "none")",
                ])
                continue
            }
            let amount = deposit.amount
            guard let currency = currencies[deposit.account] else {
                // Addresses are handed out only to existing accounts, and accounts are never
                // deleted: a person must look at this one.
                _ = try await write { db in
                    try await DepositStore.transition(key: deposit.key, to: .parked, reason: "account \(deposit.account) does not exist", now: now, db)
                }
                continue
            }
            switch DepositConversionDecision.decide(amount, into: currency, book: book, now: now) {
            case .awaitRate(let reason):
                // Written once when it starts waiting, not on every step of an outage.
                guard deposit.status != .awaitingRate else { continue }
                logger.warning("deposit awaiting a usable rate", metadata: ["deposit": "\(deposit.key)", "reason": "\(reason)"])
                waiting.append((deposit.key, reason))
            case .refuse(let reason):
                _ = try await write { db in
                    try await DepositStore.transition(key: deposit.key, to: .parked, reason: reason, now: now, db)
                }
            case .convert(let conversion):
                if try await credit(deposit, amount: amount, conversion: conversion, now: now) { credited += 1 }
            }
        }
        if !waiting.isEmpty {
            let now = clock.nowMillis()
            let batch = waiting
            _ = try await write { db in
                // Each one compare-and-set: one another watcher moved meanwhile is left alone.
                for (key, reason) in batch { _ = try await DepositStore.transition(key: key, to: .awaitingRate, reason: reason, now: now, db) }
            }
        }
        return credited
    }

    /// The deposit's state and its outbox credit, in one transaction.
    private func credit(_ deposit: DepositRecord, amount: TokenAmount, conversion: Conversion, now: Int64) async throws -> Bool {
        let credit = conversion.amount
        guard credit.minor > 0 else {
            _ = try await write { db in
                try await DepositStore.transition(
                    key: deposit.key, to: .parked,
                    reason: "worth less than one \(credit.currency.minorUnits == 2 ? "cent" : "minor unit") (\(conversion.exact) \(credit.currency))",
                    now: now, db
                )
            }
            return false
        }
        let rate = conversion.rate
        let details = JSONValue.object([
            "source": .string(chain.chain.rawValue), "chain_id": .int(Int64(chainID)), "asset": .string(deposit.asset.rawValue),
            "amount_units": .string(deposit.amountUnits), "amount": .string(amount.description), "tx_hash": .string(deposit.txHash),
            "log_index": .int(deposit.logIndex), "block_number": .int(Int64(deposit.blockNumber)), "address": .string(deposit.address),
            "exact_value": .string(conversion.exact), "currency": .string(credit.currency.code),
            "rate": .object([
                "pair": .string(rate.pair.rawValue), "field": .string(rate.field), "price": .string(rate.price.description),
                "source": .string(rate.source), "fetched_at": .string(Timestamp.rfc3339(millis: rate.fetchedAtMillis)),
            ]),
        ])
        let request = OutboxRequest(
            key: deposit.key, account: deposit.account, direction: .credit,
            amount: try PositiveCents(credit.minor), currency: credit.currency, kind: .cryptoTopup, reference: deposit.txHash,
            description: "\(amount) deposit at \(rate.price) \(rate.pair.rawValue)", detailsJSON: details.canonicalText
        )
        let record = DepositStore.CreditRecord(
            credit: credit, exactValue: conversion.exact, pair: rate.pair.rawValue, field: rate.field,
            price: rate.price.description, source: rate.source, fetchedAtMillis: rate.fetchedAtMillis
        )
        let done = try await write { db -> Bool in
            guard try await DepositStore.markCredited(key: deposit.key, record, now: now, db) else { return false }
            try await OutboxStore.enqueue(request, now: now, db)
            return true
        }
        if done {
            logger.info("deposit credited", metadata: [
                "deposit": "\(deposit.key)", "account": "\(deposit.account)", "credit": "\(credit)",
                "rate": "\(rate.price) \(rate.pair.rawValue)",
            ])
        }
        return done
    }
}
