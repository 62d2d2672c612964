import ArgumentParser
import Ethereum
import GatewayApp
import GatewayCore
import Store

extension Chain: ExpressibleByArgument {}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Deposit-address keys: derive addresses, replace the configured xpub.",
        subcommands: [Derive.self, SetXpub.self]
    )

    /// Largest --count: enough to check a key ceremony, small enough to finish in a second.
    static let maxCount: UInt32 = 100_000

    struct Derive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the deposit address(es) of an xpub, one per line: EIP-55 for m/44'/60'/0'/0, T… for Tron's m/44'/195'/0'/0.",
            discussion: "Needs no store and no configuration; use it to check a key ceremony."
        )
        @Option(help: "Extended PUBLIC key of m/44'/60'/0'/0 (Ethereum) or m/44'/195'/0'/0 (Tron).") var xpub: String
        @Option(help: "ethereum or tron: how the addresses are written.") var chain: Chain = .ethereum
        @Option(help: "First index.") var index: UInt32 = 0
        @Option(help: "How many consecutive addresses (1–\(KeysCommand.maxCount)).") var count: UInt32 = 1

        func run() async throws {
            guard (1...KeysCommand.maxCount).contains(count) else {
                CommandSupport.printError("gateway: --count must be 1–\(KeysCommand.maxCount)")
                throw Exit.configuration
            }
            let key: DepositKey
            do { key = try DepositKey(xpub: xpub, chain: chain) } catch {
                CommandSupport.printError("gateway: --xpub: \(error.problem)")
                throw Exit.configuration
            }
            let (end, overflow) = index.addingReportingOverflow(count)
            guard !overflow, end <= ExtendedPublicKey.firstHardenedIndex else {
                CommandSupport.printError("gateway: indices must stay below 2^31 (non-hardened)")
                throw Exit.configuration
            }
            for current in index..<end {
                // An index with no key (odds below 2^-127) prints a note instead of an address.
                if let address = try key.displayAddress(at: current) { print(address) }
                else { print("# index \(current) has no key (BIP32); skipped") }
            }
        }
    }

    struct SetXpub: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-xpub",
            abstract: "Replace the xpub the store is bound to. Existing accounts keep their addresses.",
            discussion: "New accounts get addresses from the new key, from index 0. Set ETH_XPUB (or TRON_XPUB) to the same value before restarting."
        )
        @Argument(help: "The new extended PUBLIC key of m/44'/60'/0'/0 (or m/44'/195'/0'/0 with --chain tron).") var xpub: String
        @Option(help: "ethereum or tron: whose key this is.") var chain: Chain = .ethereum
        @Flag(help: "Required: confirms that new deposit addresses will come from a different key.") var confirm = false
        @OptionGroup var actor: OperatorOptions

        func run() async throws {
            let key: DepositKey
            do { key = try DepositKey(xpub: xpub, chain: chain) } catch {
                CommandSupport.printError("gateway: \(error.problem)")
                throw Exit.configuration
            }
            guard confirm else {
                CommandSupport.printError("gateway: refusing without --confirm: new deposit addresses will derive from key \(key.fingerprintHex)")
                throw Exit.configuration
            }
            let name = try actor.resolve()
            try await CommandSupport.withGateway(checkXpub: false) { gateway in
                let previous = try await OperatorActions.setXpub(gateway.database, key: key, operator: name, now: gateway.clock.nowMillis())
                let old = previous.flatMap { try? DepositKey(xpub: $0, chain: chain) }?.fingerprintHex ?? "none"
                print("\(chain.rawValue) deposit key changed: fingerprint \(old) → \(key.fingerprintHex); set \(DepositKey.configKey(chain)) to the new key before restarting")
            }
        }
    }
}
