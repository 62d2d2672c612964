import Ethereum
import Foundation
import GatewayApp
import GatewayCore
import GatewayTestSupport
import Testing

@Suite("Deposit addresses")
struct DepositAddressTests {
    /// BIP39 "abandon ×11 about", m/44'/60'/0'/0, and its first published addresses.
    static let abandonXpub =
        "xpub6EF8jXqFeFEW5bwMU7RpQtHkzE4KJxcqJtvkCjJumzW8CPpacXkb92ek4WzLQXjL93HycJwTPUAcuNxCqFPKKU5m5Z2Vq4nCyh5CyPeBFFr"
    static let abandonAddresses = [
        "0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
        "0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0",
        "0xb6716976A3ebe8D39aCEB04372f22Ff8e6802D7A",
    ]

    /// Another valid external-chain xpub: same point, different chain code.
    static func otherXpub() throws -> String {
        let base = try ExtendedPublicKey(abandonXpub)
        return try ExtendedPublicKey(
            depth: 4, parentFingerprint: base.parentFingerprint, childNumber: 0,
            chainCode: [UInt8](repeating: 7, count: 32), publicKey: base.publicKey
        ).serialize()
    }

    @Test(arguments: TestBackend.available)
    func assignOnceAndKeepForever(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, environment: ["ETH_XPUB": Self.abandonXpub], parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        #expect(try await gw.request(.POST, "/v1/accounts/nobody/deposit-address").status == 404)
        try await gw.createAccount("alice")
        try await gw.createAccount("bob")
        let before = try await gw.request(.GET, "/v1/accounts/alice/deposit-address")
        #expect(before.status == 404)
        #expect(before.json?["error"]?["code"]?.stringValue == "no_deposit_address")

        let first = try await gw.request(.POST, "/v1/accounts/alice/deposit-address")
        #expect(first.status == 201)
        #expect(first.json?["address"]?.stringValue == Self.abandonAddresses[0])
        #expect(first.json?["index"]?.intValue == 0)
        #expect(first.json?["chain_id"]?.intValue == 1)
        #expect(first.json?["assets"] == .array([.string("ETH"), .string("USDT")]))
        // EIP-681, checksummed, pinned to the chain: what a wallet app scans.
        let address = Self.abandonAddresses[0]
        #expect(first.json?["payment_uris"]?["ETH"]?.stringValue == "ethereum:\(address)@1")
        #expect(first.json?["payment_uris"]?["USDT"]?.stringValue
            == "ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7@1/transfer?address=\(address)")
        let again = try await gw.request(.POST, "/v1/accounts/alice/deposit-address")
        #expect(again.status == 200)
        #expect(again.json == first.json)
        #expect(try await gw.request(.GET, "/v1/accounts/alice/deposit-address").json == first.json)
        let bob = try await gw.request(.POST, "/v1/accounts/bob/deposit-address")
        #expect(bob.json?["address"]?.stringValue == Self.abandonAddresses[1])
    }

    /// The mnemonic's m/44'/195'/0'/0 (SLIP-44 coin 195) and its first Tron addresses.
    static let abandonTronXpub =
        "xpub6EuK4CZWW5urEHdwAVDdDw327danAtccFcrXYvgf1DHrPXRwErt36xStQ2PNhn4hpwzPbzJ8pJVpewgChRnSs59q5Ay61GCfQZKUe71gbLq"

    @Test("one address per account and chain: Ethereum and Tron side by side", arguments: TestBackend.available)
    func oneAddressPerAccountAndChain(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, environment: [
            "ETH_XPUB": Self.abandonXpub, "TRON_XPUB": Self.abandonTronXpub,
        ], parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        try await gw.createAccount("alice")
        let tron = try await gw.request(.POST, "/v1/accounts/alice/deposit-address?chain=tron")
        #expect(tron.status == 201)
        #expect(tron.json?["address"]?.stringValue == "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH")
        #expect(tron.json?["chain"]?.stringValue == "tron" && tron.json?["chain_id"] == .int(728_126_428))
        #expect(tron.json?["assets"] == .array([.string("USDT")]) && tron.json?["index"] == .int(0))
        #expect(tron.json?["payment_uris"] == nil, "Tron has no payment URI standard")
        #expect(try await gw.request(.POST, "/v1/accounts/alice/deposit-address?chain=tron").status == 200, "kept, not reassigned")
        // Without `chain`, or with chain=ethereum, it is Ethereum, as before.
        let ethereum = try await gw.request(.POST, "/v1/accounts/alice/deposit-address")
        #expect(ethereum.status == 201 && ethereum.json?["address"]?.stringValue == Self.abandonAddresses[0])
        #expect(ethereum.json?["chain"]?.stringValue == "ethereum")
        #expect(try await gw.request(.GET, "/v1/accounts/alice/deposit-address?chain=ethereum").json?["address"] == ethereum.json?["address"])
        let list = try await gw.request(.GET, "/v1/accounts/alice/deposit-addresses")
        #expect(list.json?["object"]?.stringValue == "list")
        #expect(list.json?["data"]?.arrayValue?.compactMap { $0["chain"]?.stringValue } == ["tron", "ethereum"])
        let unknown = try await gw.request(.POST, "/v1/accounts/alice/deposit-address?chain=bitcoin")
        #expect(unknown.status == 422 && unknown.json?["error"]?["code"]?.stringValue == "invalid_chain")
    }

    @Test func aChainWithoutAKeyIsNotEnabled() async throws {
        let gw = try await TestGateway.start(backend: .sqlite, environment: ["ETH_XPUB": Self.abandonXpub], parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        try await gw.createAccount("alice")
        let refused = try await gw.request(.POST, "/v1/accounts/alice/deposit-address?chain=tron")
        #expect(refused.status == 409 && refused.json?["error"]?["code"]?.stringValue == "chain_not_enabled")
        #expect(refused.json?["error"]?["message"]?.stringValue?.contains("TRON_XPUB") == true)
        #expect(try await gw.request(.GET, "/v1/accounts/alice/deposit-addresses").json?["data"] == .array([]))
    }

    @Test("200 concurrent first requests get distinct indices and addresses", arguments: TestBackend.available)
    func concurrentAssignment(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, environment: ["ETH_XPUB": Self.abandonXpub], parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        let accounts = (0..<200).map { "c\($0)" }
        for account in accounts { _ = try await gw.gateway.wallet.createAccount(try AccountID(account), now: 0) }
        let results = try await withThrowingTaskGroup(of: (Int64, String).self) { group in
            for account in accounts {
                group.addTask {
                    // Two racing requests per account: both must see the same address.
                    async let first = gw.request(.POST, "/v1/accounts/\(account)/deposit-address")
                    async let second = gw.request(.POST, "/v1/accounts/\(account)/deposit-address")
                    let (a, b) = try await (first, second)
                    #expect(a.json?["address"] == b.json?["address"])
                    return (a.json?["index"]?.intValue ?? -1, a.json?["address"]?.stringValue ?? "")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.0)) == Set(0..<200))
        #expect(Set(results.map(\.1)).count == 200)
        let deriver = try AddressDeriver(externalChain: ExtendedPublicKey(Self.abandonXpub))
        for (index, address) in results {
            #expect(try deriver.address(at: UInt32(index)).checksummed == address)
        }
    }

    @Test func aDifferentXpubIsRefusedUntilAnOperatorChangesIt() async throws {
        let location = try await TestBackend.sqlite.freshLocation()
        let first = try await TestGateway.start(backend: .sqlite, location: location, environment: ["ETH_XPUB": Self.abandonXpub])
        try await first.createAccount("keep")
        let kept = try await first.request(.POST, "/v1/accounts/keep/deposit-address")
        await first.stop()

        let other = try Self.otherXpub()
        await #expect(throws: ConfigError.self) {
            _ = try await TestGateway.start(backend: .sqlite, location: location, environment: ["ETH_XPUB": other])
        }
        let url = TestBackend.databaseURL(location)
        let (status, output) = try await GatewayProcess.runToEnd(["run"], environment: ["DATABASE_URL": url, "ETH_XPUB": other])
        #expect(status == 2)
        #expect(output.contains("ETH_XPUB") && output.contains("set-xpub"), "\(output)")

        let (refused, _) = try await GatewayProcess.runToEnd(["keys", "set-xpub", other], environment: ["DATABASE_URL": url])
        #expect(refused == 2, "--confirm is required")
        let (changed, changeOutput) = try await GatewayProcess.runToEnd(["keys", "set-xpub", other, "--confirm"], environment: ["DATABASE_URL": url])
        #expect(changed == 0, "\(changeOutput)")

        let second = try await TestGateway.start(backend: .sqlite, location: location, environment: ["ETH_XPUB": other])
        defer { Task { await second.stop() } }
        // The existing customer keeps the address they were given.
        #expect(try await second.request(.GET, "/v1/accounts/keep/deposit-address").json == kept.json)
        try await second.createAccount("new")
        let fresh = try await second.request(.POST, "/v1/accounts/new/deposit-address")
        #expect(fresh.json?["index"]?.intValue == 0)
        #expect(fresh.json?["address"] != kept.json?["address"])
    }

    @Test func eachChainHasItsOwnFingerprintLock() async throws {
        let location = try await TestBackend.sqlite.freshLocation()
        let first = try await TestGateway.start(backend: .sqlite, location: location, environment: [
            "ETH_XPUB": Self.abandonXpub, "TRON_XPUB": Self.abandonTronXpub,
        ])
        await first.stop()
        // Ethereum's key as Tron's: refused, and the message names TRON_XPUB.
        let url = TestBackend.databaseURL(location)
        let (status, output) = try await GatewayProcess.runToEnd(["run"], environment: [
            "DATABASE_URL": url, "ETH_XPUB": Self.abandonXpub, "TRON_XPUB": Self.abandonXpub,
        ])
        #expect(status == 2)
        #expect(output.contains("TRON_XPUB") && output.contains("--chain tron"), "\(output)")
        let (changed, changeOutput) = try await GatewayProcess.runToEnd(
            ["keys", "set-xpub", Self.abandonXpub, "--chain", "tron", "--confirm"], environment: ["DATABASE_URL": url]
        )
        #expect(changed == 0 && changeOutput.contains("TRON_XPUB"), "\(changeOutput)")
        // Ethereum's lock is untouched; Tron's now holds the new key.
        let second = try await TestGateway.start(backend: .sqlite, location: location, environment: [
            "ETH_XPUB": Self.abandonXpub, "TRON_XPUB": Self.abandonXpub,
        ])
        await second.stop()
    }

    @Test func keysDeriveCommand() async throws {
        let (status, output) = try await GatewayProcess.runToEnd(
            ["keys", "derive", "--xpub", Self.abandonXpub, "--index", "0", "--count", "3"], environment: [:]
        )
        #expect(status == 0)
        #expect(output.split(separator: "\n").map(String.init) == Self.abandonAddresses)
        let (tronStatus, tron) = try await GatewayProcess.runToEnd(
            ["keys", "derive", "--chain", "tron", "--xpub", Self.abandonTronXpub, "--count", "3"], environment: [:]
        )
        #expect(tronStatus == 0)
        #expect(tron.split(separator: "\n").map(String.init) == [
            "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH", "TSeJkUh4Qv67VNFwY8LaAxERygNdy6NQZK", "TYJPRrdB5APNeRs4R7fYZSwW3TcrTKw2gx",
        ])
        let (unknownChain, _) = try await GatewayProcess.runToEnd(["keys", "derive", "--chain", "bitcoin", "--xpub", Self.abandonXpub], environment: [:])
        #expect(unknownChain != 0)
        for bad in ["garbage", "", String(Self.abandonXpub.dropLast()), "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LQF2fUAN1ZH3Y2FAd2WjfhG3G7qpKvMdu1"] {
            let (code, message) = try await GatewayProcess.runToEnd(["keys", "derive", "--xpub", bad], environment: [:])
            #expect(code == 2, "\(bad): \(message)")
            #expect(message.hasPrefix("gateway: --xpub:"), "\(message)")
        }
        let (hardened, _) = try await GatewayProcess.runToEnd(
            ["keys", "derive", "--xpub", Self.abandonXpub, "--index", "2147483647", "--count", "2"], environment: [:]
        )
        #expect(hardened == 2)
    }
}
