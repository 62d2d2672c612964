import Foundation
import Logging
import GatewayCore

/// One structured line per log event on standard error, as logfmt or JSON.
///
/// Values are whatever callers put in metadata; callers never put secrets or whole payloads
/// there above debug (the `Secret` type redacts itself even if they try).
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let json: Bool

    public init(label: String, level: Logger.Level, json: Bool) {
        self.label = label
        self.logLevel = level
        self.json = json
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Timestamp.rfc3339(millis: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))),
            ("level", event.level.rawValue),
            ("msg", "\(event.message)"),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key]!)")) }
        let line = json ? Self.jsonLine(fields) : Self.logfmtLine(fields)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func logfmtLine(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            let needsQuotes = value.isEmpty || value.contains(where: { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline })
            guard needsQuotes else { return "\(key)=\(value)" }
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }.joined(separator: " ")
    }

    static func jsonLine(_ fields: [(String, String)]) -> String {
        var object: [String: JSONValue] = [:]
        for (key, value) in fields { object[key] = .string(value) }
        return JSONValue.object(object).canonicalText
    }
}
