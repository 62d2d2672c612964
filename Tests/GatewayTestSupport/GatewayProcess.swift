import Foundation

/// The real `gateway` binary as a child process, for exit codes, signals and kill -9.
public final class GatewayProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched from the test that owns this object.
    public let process: Process
    public let outputPath: String

    /// The built binary: `GATEWAY_BIN`, or `.build/debug/gateway` in this package.
    public static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["GATEWAY_BIN"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/gateway").path
    }

    /// Environment for a child: the given keys only, plus PATH, so the developer's own
    /// configuration never leaks into a test.
    public static func environment(_ values: [String: String]) -> [String: String] {
        var env = values
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        env["LOG_LEVEL"] = env["LOG_LEVEL"] ?? "notice"
        return env
    }

    public init(arguments: [String], environment: [String: String], workingDirectory: String? = nil) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = arguments
        process.environment = Self.environment(environment)
        let directory = workingDirectory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("gateway-proc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        outputPath = directory + "/output.log"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    public func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Waits for exit; returns the exit status (or 128+signal).
    public func wait(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                killHard()
                throw TestSetupError("gateway did not exit within \(timeout); output:\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Runs a command to completion and returns (exit code, combined output).
    public static func runToEnd(
        _ arguments: [String], environment: [String: String], workingDirectory: String? = nil
    ) async throws -> (Int32, String) {
        let child = try GatewayProcess(arguments: arguments, environment: environment, workingDirectory: workingDirectory)
        let status = try await child.wait()
        return (status, child.output)
    }

    /// A loopback port that was free a moment ago.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestSetupError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
