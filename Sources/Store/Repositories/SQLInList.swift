/// Lookups of many keys at once, in bounded `IN (…)` lists (the watcher resolves a whole scan
/// step's deposits and owners in a few statements instead of one per key).
enum SQLInList {
    /// Keys per list: far below SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
    static let maxKeys = 500

    /// Runs `select` followed by ` ($1, …)` for the keys, `maxKeys` at a time, and returns
    /// every row; `select` ends with `… IN`.
    static func rows(_ select: String, keys: [SQLValue], _ db: any SQLExecutor) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        for chunk in keys.chunked(maxKeys) {
            let placeholders = (1...chunk.count).map { "$\($0)" }.joined(separator: ", ")
            rows += try await db.query("\(select) (\(placeholders))", Array(chunk))
        }
        return rows
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
