import Foundation

/// Raw configuration values, layered: built-in defaults < `config/defaults.env` < the file named
/// by `GATEWAY_ENV_FILE` < the process environment. Secrets may come from `<NAME>_FILE`.
public struct ConfigSource: Sendable {
    /// Largest secret file read; a secret is a line, and anything bigger is a mistake.
    static let maxSecretFileBytes = 64 * 1024

    public let values: [String: String]
    /// Where each value came from, for `config check`.
    public let origins: [String: String]

    public init(values: [String: String], origins: [String: String] = [:]) {
        self.values = values
        self.origins = origins
    }

    /// Loads from the real environment and files.
    /// - Parameter defaultsFile: `config/defaults.env` relative to the working directory; a
    ///   missing file is fine (the built-in table holds the same defaults).
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        defaultsFile: String = "config/defaults.env"
    ) throws(ConfigError) -> ConfigSource {
        var values: [String: String] = [:]
        var origins: [String: String] = [:]
        for key in ConfigKey.all {
            if let value = key.defaultValue {
                values[key.name] = value
                origins[key.name] = "built-in default"
            }
        }
        if FileManager.default.fileExists(atPath: defaultsFile) {
            for (name, value) in try parseEnvFile(at: defaultsFile, keyName: "config/defaults.env") {
                values[name] = value
                origins[name] = defaultsFile
            }
        }
        if let envFile = environment["GATEWAY_ENV_FILE"], !envFile.isEmpty {
            for (name, value) in try parseEnvFile(at: envFile, keyName: "GATEWAY_ENV_FILE") {
                values[name] = value
                origins[name] = envFile
            }
        }
        for key in ConfigKey.all {
            let fileVariable = "\(key.name)_FILE"
            let direct = environment[key.name]
            let file = environment[fileVariable]
            if direct != nil, let file, !file.isEmpty {
                throw ConfigError(key: key.name, problem: "set either \(key.name) or \(fileVariable), not both")
            }
            if let direct {
                values[key.name] = direct
                origins[key.name] = "environment"
            } else if let file, !file.isEmpty {
                guard key.secret else {
                    throw ConfigError(key: fileVariable, problem: "only secrets can be read from files")
                }
                values[key.name] = try readSecretFile(file, variable: fileVariable)
                origins[key.name] = "file \(file)"
            }
        }
        return ConfigSource(values: values, origins: origins)
    }

    static func readSecretFile(_ path: String, variable: String) throws(ConfigError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: variable, problem: "cannot read file \(path)")
        }
        guard data.count <= maxSecretFileBytes else {
            throw ConfigError(key: variable, problem: "file \(path) is larger than \(maxSecretFileBytes) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(key: variable, problem: "file \(path) is not UTF-8")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `KEY=value` lines; `#` comments and blank lines skipped; optional surrounding quotes.
    static func parseEnvFile(at path: String, keyName: String) throws(ConfigError) -> [(String, String)] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(key: keyName, problem: "cannot read \(path)")
        }
        var pairs: [(String, String)] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigError(key: keyName, problem: "\(path):\(number + 1): expected KEY=value")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard ConfigKey.named(name) != nil else {
                throw ConfigError(key: name, problem: "\(path):\(number + 1): unknown configuration key")
            }
            pairs.append((name, value))
        }
        return pairs
    }

    public subscript(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }
}

/// One line naming the key and the problem; `main` prints it and exits 2.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let problem: String

    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String { "configuration error: \(key): \(problem)" }
}
