import Foundation
import Testing
@testable import Ethereum

/// Compares derived addresses with an independent implementation (bip_utils, over
/// coincurve/libsecp256k1 and pycryptodome's Keccak) run by Tests/oracles/derive_addresses.py.
/// Needs GATEWAY_PYTHON = a python with bip_utils installed; skipped otherwise.
@Suite struct OracleTests {
    static let python = ProcessInfo.processInfo.environment["GATEWAY_PYTHON"]
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("oracles/derive_addresses.py").path

    @Test(
        "1,000 consecutive addresses of a fresh random xpub match bip_utils",
        .enabled(if: python != nil, "GATEWAY_PYTHON is unset: set it to a python with bip_utils to run the oracle"),
        .timeLimit(.minutes(1)),
        arguments: [UInt32(0), 2_147_482_000]  // the first addresses, and the last below 2^31
    )
    func randomXpubMatchesOracle(start: UInt32) throws {
        var system = SystemRandomNumberGenerator()
        let xpub = try TestKeys.randomExternalChain(using: &system)
        let count: UInt32 = 1_000
        let expected = try Self.runOracle(xpub: xpub.serialize(), start: start, count: count)
        let deriver = try AddressDeriver(externalChain: xpub)
        let actual = try (start..<(start + count)).map { try deriver.address(at: $0).checksummed }
        #expect(expected.count == Int(count))
        // Name the first difference rather than dumping 2,000 addresses.
        if let at = actual.indices.first(where: { $0 >= expected.count || actual[$0] != expected[$0] }) {
            let oracle = at < expected.count ? expected[at] : "(none)"
            Issue.record("xpub \(xpub.serialize()) index \(start + UInt32(at)): swift \(actual[at]), oracle \(oracle)")
        }
    }

    @Test(
        "1,000 consecutive Tron addresses of a fresh random xpub match bip_utils",
        .enabled(if: python != nil, "GATEWAY_PYTHON is unset: set it to a python with bip_utils to run the oracle"),
        .timeLimit(.minutes(1))
    )
    func randomXpubMatchesOracleOnTron() throws {
        var system = SystemRandomNumberGenerator()
        let xpub = try TestKeys.randomExternalChain(using: &system)
        let expected = try Self.runOracle(xpub: xpub.serialize(), start: 0, count: 1_000, tron: true)
        let deriver = try AddressDeriver(externalChain: xpub)
        let actual = try (0..<UInt32(1_000)).map { TronAddress(evm: try deriver.address(at: $0)).base58 }
        #expect(expected.count == 1_000)
        if let at = actual.indices.first(where: { $0 >= expected.count || actual[$0] != expected[$0] }) {
            Issue.record("xpub \(xpub.serialize()) index \(at): swift \(actual[at]), oracle \(at < expected.count ? expected[at] : "(none)")")
        }
    }

    static func runOracle(xpub: String, start: UInt32, count: UInt32, tron: Bool = false) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python))
        process.arguments = [script] + (tron ? ["--tron"] : []) + [xpub, String(start), String(count)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // Read before waiting: the output (~43 KB) could fill the pipe and block the child.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "oracle exited with \(process.terminationStatus)")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
