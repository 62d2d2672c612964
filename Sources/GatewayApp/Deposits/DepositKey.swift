import Crypto
import Ethereum
import Store

/// The configured extended public key of m/44'/60'/0'/0 and its deriver.
public struct DepositKey: Sendable {
    public let xpub: ExtendedPublicKey
    public let deriver: AddressDeriver
    /// Stable id of this key in the store: the first 16 hex digits of SHA-256 of the xpub.
    public let keyID: String

    public init(xpub text: String) throws(ConfigError) {
        do {
            xpub = try ExtendedPublicKey(text)
            deriver = try AddressDeriver(externalChain: xpub)
        } catch {
            throw ConfigError(key: "ETH_XPUB", problem: error.description)
        }
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
            if let stored = try await SettingsStore.get(DepositAddressStore.xpubSettingKey, db) { return stored }
            try await SettingsStore.set(DepositAddressStore.xpubSettingKey, serialized, now: now, db)
            return serialized
        }
        guard stored == serialized else {
            let storedFingerprint = (try? DepositKey(xpub: stored))?.fingerprintHex ?? "unknown"
            throw ConfigError(
                key: "ETH_XPUB",
                problem: "differs from the key this store was set up with (fingerprint \(storedFingerprint), configured \(fingerprintHex)); every new deposit address would change. If the change is intended, run `gateway keys set-xpub NEW_XPUB --confirm`"
            )
        }
    }
}

