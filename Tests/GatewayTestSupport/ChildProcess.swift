import Foundation

/// Runs a child process to its end without blocking Swift's cooperative threads: the wait and
/// the read of its output happen on a thread of their own. (Blocking them would starve every
/// in-process server the child talks to — a gateway, the Stripe stand-in — on a 2-core machine.)
public enum ChildProcess {
    /// The browser and contract-fuzzing tests drive a whole Chromium or schemathesis: they run
    /// in a pass of their own (scripts/test.sh sets this), so their CPU does not skew the
    /// timing-sensitive tests of the main pass on a 2-core machine.
    public static let heavyTestsEnabled = ProcessInfo.processInfo.environment["GATEWAY_HEAVY_TESTS"] == "1"

    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil
    ) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
        }
    }
}
