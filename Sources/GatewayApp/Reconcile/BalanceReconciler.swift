import BigInt
import Ethereum
import GatewayCore
import Store

/// Rosetta-style balance reconciliation: for each deposit address, the on-chain ETH and USDT
/// balances at a confirmed block against what our records explain (deposits in, minus the
/// outgoing transfers the watcher recorded). A surplus is money we never saw arrive, such as
/// ETH sent by a contract (an internal transaction), which no block scan can see.
public struct BalanceReconciler: Sendable {
    let watcher: ChainWatcher
    let database: any Database
    /// Idle addresses checked when the caller does not say: enough to notice a pattern of
    /// missed deposits without one RPC pair for every address ever handed out.
    public static let defaultIdleSample = 100

    public init(watcher: ChainWatcher, database: any Database) {
        self.watcher = watcher
        self.database = database
    }

    struct Target: Sendable {
        let address: String
        let account: String
        let active: Bool
    }

    public func run(
        at requested: UInt64?, account: AccountID?, idleSample: Int, now: Int64, progress: ProgressCallback? = nil
    ) async throws -> ReconcileReport {
        var report = ReconcileReport(scope: "balances")
        let chainID = watcher.chainID
        let confirmations = watcher.settings.confirmations
        let head: UInt64
        do { head = try await watcher.node.blockNumber() } catch let error as RPCError {
            throw OperatorError(.unreachable, "Ethereum node unreachable: \(error)")
        }
        guard let cursor = try await database.transaction({ db in try await ChainCursorStore.cursor(chainID: chainID, db) })?.number else {
            throw OperatorError(.refused, "the watcher has not scanned any block yet; nothing to compare")
        }
        let confirmedTip = head + 1 >= confirmations ? head + 1 - confirmations : 0
        // A chain that answers state at `latest` only (Tron) is compared at the head, with the
        // records of every block up to it; the report says so.
        let latestOnly = !watcher.chain.dialect.stateAtAnyBlock
        if latestOnly {
            guard requested == nil else {
                throw OperatorError(.usage, "--at is not possible on \(watcher.chain.chain.rawValue): its nodes answer balances at the head only")
            }
            report.notes.append(
                "\(watcher.chain.chain.rawValue) answers balances at the head only: compared at block \(head) (watcher at \(cursor)); "
                    + "a deposit in a block the watcher has not scanned or confirmed yet shows as a surplus until it has"
            )
        }
        // Our records explain only what the watcher scanned, and only a confirmed block is final.
        let at = latestOnly ? head : requested ?? min(cursor, confirmedTip)
        guard at <= cursor || latestOnly else {
            throw OperatorError(.usage, "--at \(at) is past the watcher's cursor \(cursor); our records cannot explain it yet")
        }
        if at > confirmedTip, !latestOnly { report.notes.append("block \(at) has fewer than \(confirmations) confirmations; balances may still change") }

        let targets = try await self.targets(account: account, idleSample: idleSample)
        var checkedActive = 0, checkedIdle = 0
        for (index, target) in targets.enumerated() {
            try await check(target, at: at, report: &report)
            if target.active { checkedActive += 1 } else { checkedIdle += 1 }
            progress?(index + 1, targets.count)
        }
        report.checked = [("block", Int(at)), ("active addresses", checkedActive), ("idle addresses sampled", checkedIdle)]
        return report
    }

    private func targets(account: AccountID?, idleSample: Int) async throws -> [Target] {
        let chainID = watcher.chainID
        let addresses = DepositAddressStore(database: database)
        if let account {
            guard let record = try await addresses.record(for: account, chain: watcher.chain.chain) else {
                throw OperatorError(.refused, "account \(account) has no deposit address")
            }
            return [Target(address: record.address, account: account.rawValue, active: true)]
        }
        let active = try await database.transaction { db in
            try await DepositStore.activeAddresses(chainID: chainID, db).union(OutgoingTransferStore.activeAddresses(chainID: chainID, db))
        }
        var targets: [Target] = []
        var idle: [String] = []
        var after: Int64 = 0
        while true {
            let page = try await addresses.page(chain: watcher.chain.chain, afterRowID: after, limit: 1_000)
            for (_, address) in page {
                if active.contains(address) { targets.append(Target(address: address, account: "", active: true)) } else { idle.append(address) }
            }
            after = page.last?.rowID ?? after
            if page.count < 1_000 { break }
        }
        for address in idle.shuffled().prefix(max(0, idleSample)) { targets.append(Target(address: address, account: "", active: false)) }
        // Owners are looked up only for the addresses actually checked, in one query.
        let owners = try await addresses.accounts(addresses: targets.map(\.address), chain: watcher.chain.chain)
        return targets.map { Target(address: $0.address, account: owners[$0.address]?.rawValue ?? "?", active: $0.active) }
    }

    private func check(_ target: Target, at block: UInt64, report: inout ReconcileReport) async throws {
        let chainID = watcher.chainID
        guard let address = try? EthereumAddress(hex: target.address) else {
            throw OperatorError(.refused, "stored deposit address \(target.address) is not a valid address")
        }
        let (deposits, outgoing) = try await database.transaction { db in
            (
                try await DepositStore.toAddress(target.address, chainID: chainID, maxBlock: block, db),
                try await OutgoingTransferStore.fromAddress(target.address, chainID: chainID, maxBlock: block, db)
            )
        }
        // The chain's own assets: its native coin where it credits one, and its tokens.
        var onChain: [Asset: Word256] = [:]
        do {
            if let native = watcher.chain.nativeAsset { onChain[native] = try await watcher.node.balance(address, at: block) }
            for (asset, contract) in watcher.chain.tokens {
                onChain[asset] = watcher.chain.dialect.stateAtAnyBlock
                    ? try await watcher.node.tokenBalance(contract, owner: address, at: block)
                    : try await watcher.node.tokenBalanceAtLatest(contract, owner: address)
            }
        } catch let error as RPCError {
            throw OperatorError(.unreachable, "\(watcher.chain.chain.rawValue) node: \(error)")
        }
        for asset in Asset.allCases {
            guard let balance = onChain[asset] else { continue }
            let explained = Self.explained(asset: asset, deposits: deposits, outgoing: outgoing)
            let actual = BigInt(balance.big)
            let difference = actual - explained
            guard difference != 0 else { continue }
            let surplus = difference > 0
            report.discrepancies.append(Discrepancy(
                kind: surplus ? "surplus" : "deficit", subject: target.address, account: target.account,
                detail: "\(Self.format(difference.magnitude, asset)) \(asset.rawValue.uppercased()) \(surplus ? "more" : "less") than our records explain at block \(block) (on chain \(Self.format(actual.magnitude, asset)), explained \(Self.format(explained.magnitude, asset)))",
                action: surplus
                    ? "a deposit we never saw (e.g. ETH sent by a contract): trace the address's internal transactions, then credit with `gateway adjust`"
                    : "an outgoing transfer the watcher missed, or a recorded deposit that is not on chain: run `gateway reconcile chain` over the address's blocks"
            ))
        }
    }

    /// Deposits that really arrived (not failed, not reorged out) minus value and fees sent out.
    static func explained(asset: Asset, deposits: [DepositRecord], outgoing: [OutgoingTransfer]) -> BigInt {
        var total = BigInt(0)
        for deposit in deposits where deposit.asset == asset {
            guard ![.failed, .orphaned, .reorgedAfterCredit].contains(deposit.status) else { continue }
            total += BigInt(deposit.amountUnits) ?? 0
        }
        for transfer in outgoing {
            if transfer.asset == asset.rawValue { total -= BigInt(transfer.amountUnits) ?? 0 }
            // Every transaction's fee is paid in ETH, whatever it moved.
            if asset == .eth { total -= BigInt(transfer.feeUnits) ?? 0 }
        }
        return total
    }

    /// Units as a decimal amount of the asset (wei → ETH, 6 decimals for USDT).
    static func format(_ units: BigUInt, _ asset: Asset) -> String {
        var digits = String(units)
        let decimals = asset.decimals
        if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -decimals)
        var fraction = String(digits[split...])
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? String(digits[..<split]) : "\(digits[..<split]).\(fraction)"
    }
}
