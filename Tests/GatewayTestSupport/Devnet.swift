import Foundation
import GatewayApp

/// The project's py-evm devnet (devnet/devnet.py) as a child process, with its control methods.
/// Needs `GATEWAY_PYTHON`: a python with the packages of requirements-test.txt.
public final class Devnet: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test that owns this object.
    public static var python: String? { ProcessInfo.processInfo.environment["GATEWAY_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } }

    public let process: Process
    public let info: JSONValue
    public var rpcURL: String { info["rpc_url"]?.stringValue ?? "" }
    public var usdt: String { info["usdt"]?.stringValue ?? "" }
    public var lookalike: String { info["lookalike"]?.stringValue ?? "" }
    public var chainID: Int64 { info["chain_id"]?.intValue ?? 0 }
    /// The USDT contract as Tron writes addresses in hex (`41…`), for the Tron stand-in.
    public var usdtTronHex: String { "41" + usdt.dropFirst(2) }

    public static func start(extraArguments: [String] = []) async throws -> Devnet {
        guard let python else { throw TestSetupError("GATEWAY_PYTHON is not set") }
        let script = StripeFixtures.root.deletingLastPathComponent().appendingPathComponent("devnet/devnet.py").path
        // stdout goes to a file we poll: simpler and sturdier than reading a pipe while
        // Foundation's Process machinery also watches the child.
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("devnet-\(UUID().uuidString).out").path
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        // The Tron stand-in (--tron) keeps Tron mainnet's chain id.
        let chainID = extraArguments.contains("--tron") ? [] : ["--chain-id", "1337"]
        process.arguments = [script, "--port", "0"] + chainID + extraArguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            if let newline = text.firstIndex(of: "\n") {
                let line = String(text[..<newline])
                guard let info = try? JSONValue.parse(Array(line.utf8)), info["rpc_url"] != nil else {
                    kill(process.processIdentifier, SIGKILL)
                    throw TestSetupError("devnet printed an unexpected first line: \(line.prefix(200))")
                }
                return Devnet(process: process, info: info)
            }
            guard process.isRunning else { throw TestSetupError("devnet exited before it was ready") }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(process.processIdentifier, SIGKILL)
        throw TestSetupError("devnet did not start within 60 s")
    }

    private init(process: Process, info: JSONValue) {
        self.process = process
        self.info = info
    }

    /// SIGTERM, then SIGKILL if it lingers; never blocks for long.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<40 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Calls a method; throws on a JSON-RPC error.
    @discardableResult
    public func call(_ method: String, _ params: String = "[]") async throws -> JSONValue {
        let body = #"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":\#(params)}"#
        let response = try await TestHTTP.request(.POST, rpcURL, body: body, headers: ["Content-Type": "application/json"])
        guard let json = response.json else { throw TestSetupError("devnet \(method): \(response.text)") }
        if let error = json["error"], error != .null { throw TestSetupError("devnet \(method): \(error.canonicalText)") }
        return json["result"] ?? .null
    }

    @discardableResult
    public func mine(_ count: Int = 1) async throws -> UInt64 {
        let head = try await call("devnet_mine", "[\(count)]").stringValue ?? "0x0"
        return UInt64(head.dropFirst(2), radix: 16) ?? 0
    }

    public static func hex(_ value: UInt128) -> String { "\"0x" + String(value, radix: 16) + "\"" }
}
