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
        let again = try await gw.request(.POST, "/v1/accounts/alice/deposit-address")
        #expect(again.status == 200)
        #expect(again.json == first.json)
        #expect(try await gw.request(.GET, "/v1/accounts/alice/deposit-address").json == first.json)
        let bob = try await gw.request(.POST, "/v1/accounts/bob/deposit-address")
        #expect(bob.json?["address"]?.stringValue == Self.abandonAddresses[1])
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

    @Test func keysDeriveCommand() async throws {
        let (status, output) = try await GatewayProcess.runToEnd(
            ["keys", "derive", "--xpub", Self.abandonXpub, "--index", "0", "--count", "3"], environment: [:]
        )
        #expect(status == 0)
        #expect(output.split(separator: "\n").map(String.init) == Self.abandonAddresses)
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
