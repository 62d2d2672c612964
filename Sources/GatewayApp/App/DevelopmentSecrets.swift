import Foundation
import Logging

/// Creates local development secrets so `gateway run` works with no configuration at all.
///
/// The file is created with mode 0600 and reused on later runs; its path, never its content,
/// is logged. Production sets the real variables instead.
enum DevelopmentSecrets {
    static func internalToken(dataDirectory: String, logger: Logger) throws -> Secret {
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent("internal-token").path
        if let existing = try? String(contentsOfFile: path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), existing.utf8.count >= 16 {
            logger.notice("GATEWAY_INTERNAL_TOKENS not set; using the development token in \(path)")
            return Secret(existing)
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let token = "dev_" + (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
        // Create with 0600 from the start: no window where the token is world-readable.
        guard FileManager.default.createFile(
            atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]
        ) else {
            throw ConfigError(key: "GATEWAY_INTERNAL_TOKENS", problem: "not set, and cannot create \(path); set it or GATEWAY_INTERNAL_TOKENS_FILE")
        }
        logger.notice("GATEWAY_INTERNAL_TOKENS not set; created a development token in \(path) (mode 0600)")
        return Secret(token)
    }
}
