import Crypto
import GatewayCore
import Ethereum
import Store

/// The configured extended public key of m/44'/60'/0'/0 and its deriver.
public struct DepositKey: Sendable {
    public let xpub: ExtendedPublicKey
    public let deriver: AddressDeriver
    /// Stable id of this key in the store: the first 16 hex digits of SHA-256 of the xpub.
    public let keyID: String

    /// Whose addresses it derives: the same BIP32 math, another path (m/44'/60'/0'/0 or
    /// m/44'/195'/0'/0) and another way of writing the result.
    public let chain: Chain

    public init(xpub text: String, chain: Chain = .ethereum) throws(ConfigError) {
        do {
            xpub = try ExtendedPublicKey(text)
            deriver = try AddressDeriver(externalChain: xpub)
        } catch {
            throw ConfigError(key: Self.configKey(chain), problem: error.description)
        }
        self.chain = chain
        keyID = Self.keyID(of: xpub)
    }

    static func keyID(of xpub: ExtendedPublicKey) -> String {
        SHA256.hash(data: Array(xpub.serialize().utf8)).prefix(8).map { byte in
            (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }

    /// BIP32 fingerprint (hex), the form wallets show, for operators' eyes.
    public var fingerprintHex: String {
        let hex = String(xpub.fingerprint, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// The address at `index`, or nil when BIP32 says that index has no key (skip it).
    public func address(at index: UInt32) throws(ExtendedKeyError) -> EthereumAddress? {
        do {
            return try deriver.address(at: index)
        } catch {
            if error == .invalidChild(index) { return nil }
            throw error
        }
    }

    /// Refuses to run against a store set up with another xpub: every customer's address
    /// would silently change. The first run records the key.
    func checkAgainstStore(_ database: any Database, now: Int64) async throws {
        let serialized = xpub.serialize()
        let stored = try await database.transaction { db in
            if let stored = try await SettingsStore.get(DepositAddressStore.xpubSettingKey(chain), db) { return stored }
            try await SettingsStore.set(DepositAddressStore.xpubSettingKey(chain), serialized, now: now, db)
            return serialized
        }
        guard stored == serialized else {
            let storedFingerprint = (try? DepositKey(xpub: stored, chain: chain))?.fingerprintHex ?? "unknown"
            throw ConfigError(
                key: Self.configKey(chain),
                problem: "differs from the key this store was set up with (fingerprint \(storedFingerprint), configured \(fingerprintHex)); every new deposit address would change. If the change is intended, run `gateway keys set-xpub NEW_XPUB --chain \(chain.rawValue) --confirm`"
            )
        }
    }

    /// The configuration key holding a chain's xpub.
    public static func configKey(_ chain: Chain) -> String { chain == .ethereum ? "ETH_XPUB" : "TRON_XPUB" }

    /// The address at `index` as the chain writes it for people.
    public func displayAddress(at index: UInt32) throws(ExtendedKeyError) -> String? {
        guard let address = try address(at: index) else { return nil }
        return chain == .tron ? TronAddress(evm: address).base58 : address.checksummed
    }
}
