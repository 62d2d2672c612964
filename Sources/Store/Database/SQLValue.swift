/// The only column types the schema uses: 64-bit integers and text.
///
/// Keeping to these two makes one SQL text work on SQLite and PostgreSQL alike. Money is an
/// integer of the smallest unit; wei-sized values are exact decimal text; timestamps are
/// milliseconds since the Unix epoch; JSON is text.
public enum SQLValue: Sendable, Hashable {
    case null
    case int(Int64)
    case text(String)
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension SQLValue {
    public static func optional(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    public static func optional(_ value: Int64?) -> SQLValue { value.map(SQLValue.int) ?? .null }
    public static func bool(_ value: Bool) -> SQLValue { .int(value ? 1 : 0) }
}

/// One result row, by column name.
public struct SQLRow: Sendable {
    public let values: [String: SQLValue]

    public init(_ values: [String: SQLValue]) { self.values = values }

    public func int(_ column: String) throws(StoreError) -> Int64 {
        guard case .int(let value) = values[column] else { throw .decoding("column \(column) is not an integer") }
        return value
    }

    public func optionalInt(_ column: String) throws(StoreError) -> Int64? {
        switch values[column] {
        case .int(let value): return value
        case .null: return nil
        default: throw .decoding("column \(column) is not an integer")
        }
    }

    public func text(_ column: String) throws(StoreError) -> String {
        guard case .text(let value) = values[column] else { throw .decoding("column \(column) is not text") }
        return value
    }

    public func optionalText(_ column: String) throws(StoreError) -> String? {
        switch values[column] {
        case .text(let value): return value
        case .null: return nil
        default: throw .decoding("column \(column) is not text")
        }
    }

    public func bool(_ column: String) throws(StoreError) -> Bool { try int(column) != 0 }
}
