/// One versioned schema change. Versions are dense and never reused; a released migration is
/// never edited, only followed by another.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    /// Statements in order. `{ID}` becomes the dialect's auto-increment primary key.
    public let statements: [String]

    public func sql(for dialect: SQLDialect) -> [String] {
        statements.compactMap { statement in
            // A statement only PostgreSQL needs (SQLite's BEGIN IMMEDIATE already excludes writers).
            if statement.hasPrefix(Self.postgresOnly) {
                return dialect == .postgres ? String(statement.dropFirst(Self.postgresOnly.count)) : nil
            }
            return statement.replacingOccurrences(of: "{ID}", with: dialect.identityPrimaryKey)
        }
    }

    /// Prefix of a statement that runs on PostgreSQL only.
    public static let postgresOnly = "POSTGRES ONLY: "
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
