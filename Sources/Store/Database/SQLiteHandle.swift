import CSQLite
import Synchronization

/// One libsqlite3 connection with a cache of prepared statements, used synchronously.
///
/// Why not a library: sqlite-nio prepares every statement again and crosses threads three times
/// per statement (task → thread pool → event loop for each row → task). A webhook runs about a
/// dozen statements on the single connection, so most of its time went to preparing and to
/// wake-ups, and the connection became the ceiling. GRDB caches statements, but only inside
/// synchronous closures, which cannot host the store's `async` repository code that PostgreSQL
/// shares. A statement here takes microseconds and runs on the caller's thread, like any other
/// short computation; `SQLiteDatabase` sends only what can wait long (another process's lock,
/// COMMIT's fsync) to a thread pool.
///
/// Every call takes the lock, so the handle is never used by two threads at once (the
/// connection is opened without SQLite's own mutex).
final class SQLiteHandle: Sendable {
    /// Prepared statements kept. Bounds memory when SQL is generated (multi-row inserts of
    /// varying sizes); a full cache is emptied and refilled by the statements still in use.
    static let statementCacheLimit = 256

    private let connection: Mutex<Connection>

    /// Opens (creating if needed) the file at `path`.
    init(path: String) throws(StoreError) {
        var pointer: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &pointer, flags, nil)
        guard code == SQLITE_OK, let pointer else {
            let message = pointer.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "out of memory"
            sqlite3_close_v2(pointer)
            throw .unavailable("cannot open SQLite file \(path): \(message)")
        }
        // Constraint failures then say which constraint (unique, primary key, check…).
        sqlite3_extended_result_codes(pointer, 1)
        connection = Mutex(Connection(pointer: pointer))
    }

    /// Runs one statement and returns its rows. `sql` uses the `$N` placeholders shared with
    /// PostgreSQL; they become `?N` once, when the statement is first prepared.
    func query(_ sql: String, _ binds: [SQLValue]) throws(StoreError) -> [SQLRow] {
        try connection.withLock { (connection: inout Connection) throws(StoreError) -> [SQLRow] in
            try connection.run(sql, binds)
        }
    }

    /// Finalizes every statement and closes the file. Later calls fail as unavailable.
    func close() {
        connection.withLock { $0.close() }
    }

    deinit {
        connection.withLock { $0.close() }
    }

    /// `$1` → `?1`: SQLite reads `$1` as a *named* parameter numbered by first appearance,
    /// which would misbind SQL that uses placeholders out of order.
    static func sqliteSQL(_ sql: String) -> String {
        // Bytes, not Characters: `$` and digits are ASCII, and this runs for every statement.
        var bytes = Array(sql.utf8)
        guard bytes.contains(UInt8(ascii: "$")) else { return sql }
        for index in bytes.indices.dropLast()
        where bytes[index] == UInt8(ascii: "$") && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 1]) {
            bytes[index] = UInt8(ascii: "?")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The connection's state, only ever touched under `SQLiteHandle`'s lock.
private struct Connection {
    var pointer: OpaquePointer?
    var cache: [String: PreparedStatement] = [:]

    init(pointer: OpaquePointer) { self.pointer = pointer }

    mutating func run(_ sql: String, _ binds: [SQLValue]) throws(StoreError) -> [SQLRow] {
        guard let pointer else { throw .unavailable("the SQLite connection is closed") }
        if let statement = cache[sql] { return try statement.run(binds, pointer) }
        if cache.count >= SQLiteHandle.statementCacheLimit { clearCache() }
        let statement = try PreparedStatement(SQLiteHandle.sqliteSQL(sql), pointer)
        cache[sql] = statement
        return try statement.run(binds, pointer)
    }

    mutating func clearCache() {
        cache.removeAll()  // each statement finalizes itself when released
    }

    mutating func close() {
        clearCache()
        sqlite3_close_v2(pointer)
        pointer = nil
    }
}

/// A prepared statement and its column names.
///
/// SQLite prepares a statement again by itself when the schema changed (a migration, or another
/// process); the names are then read again, so a cached statement never reports stale columns.
private final class PreparedStatement {
    let pointer: OpaquePointer
    private(set) var columns: [String] = []
    /// SQLite's count of automatic re-preparations when `columns` was read.
    private var columnsRead: Int32 = -1

    init(_ sql: String, _ connection: OpaquePointer) throws(StoreError) {
        // A NUL would end the C string early and silently drop the rest of the statement.
        guard !sql.utf8.contains(0) else { throw .database("SQL text contains a NUL byte") }
        var statement: OpaquePointer?
        let flags = UInt32(SQLITE_PREPARE_PERSISTENT)  // kept in the cache, reused many times
        let (code, trailing) = sql.withCString { text -> (Int32, Bool) in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(connection, text, -1, flags, &statement, &tail)
            // Prepare reads one statement; text after it would silently never run. Blanks and
            // semicolons may follow (comments may not).
            var rest = tail
            while let byte = rest?.pointee, byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x3B {
                rest = rest.map { $0 + 1 }
            }
            return (code, (rest?.pointee ?? 0) != 0)
        }
        guard code == SQLITE_OK else { throw SQLiteFailure.error(code, connection) }
        guard let statement else { throw .database("empty SQL statement") }
        guard !trailing else {
            sqlite3_finalize(statement)
            throw .database("one SQL statement per call: text follows the first statement")
        }
        pointer = statement
    }

    deinit { sqlite3_finalize(pointer) }

    /// Binds, steps to the end, and leaves the statement reset for its next use, whatever happens.
    func run(_ binds: [SQLValue], _ connection: OpaquePointer) throws(StoreError) -> [SQLRow] {
        defer {
            sqlite3_reset(pointer)
            sqlite3_clear_bindings(pointer)
        }
        let expected = Int(sqlite3_bind_parameter_count(pointer))
        guard expected == binds.count else {
            throw .database("statement takes \(expected) parameters, \(binds.count) given")
        }
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let code = switch value {
            case .null: sqlite3_bind_null(pointer, index)
            case .int(let int): sqlite3_bind_int64(pointer, index, int)
            case .text(let text): sqlite3_bind_text64(pointer, index, text, UInt64(text.utf8.count), csqlite_transient(), UInt8(SQLITE_UTF8))
            }
            guard code == SQLITE_OK else { throw SQLiteFailure.error(code, connection) }
        }
        var rows: [SQLRow] = []
        while true {
            let code = sqlite3_step(pointer)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw SQLiteFailure.error(code, connection) }
            if rows.isEmpty { try readColumnsIfPrepared() }
            rows.append(row())
        }
    }

    /// Re-preparation happens inside `sqlite3_step`, so this runs after the first row.
    private func readColumnsIfPrepared() throws(StoreError) {
        let prepared = sqlite3_stmt_status(pointer, SQLITE_STMTSTATUS_REPREPARE, 0)
        guard prepared != columnsRead else { return }
        var names: [String] = []
        for index in 0..<sqlite3_column_count(pointer) {
            guard let name = sqlite3_column_name(pointer, index) else { throw .database("out of memory reading column names") }
            names.append(String(cString: name))
        }
        columns = names
        columnsRead = prepared
    }

    private func row() -> SQLRow {
        var values: [String: SQLValue] = [:]
        values.reserveCapacity(columns.count)
        for (offset, name) in columns.enumerated() {
            let index = Int32(offset)
            switch sqlite3_column_type(pointer, index) {
            case SQLITE_INTEGER: values[name] = .int(sqlite3_column_int64(pointer, index))
            case SQLITE_NULL: values[name] = .null
            // The schema has no REAL or BLOB columns; expressions that yield them are a bug,
            // surfaced as text so the decoder reports the column by name.
            case SQLITE_FLOAT: values[name] = .text(String(sqlite3_column_double(pointer, index)))
            default: values[name] = .text(text(index))
            }
        }
        return SQLRow(values)
    }

    private func text(_ index: Int32) -> String {
        // column_text before column_bytes, as SQLite documents, so the length is of the UTF-8 form.
        guard let bytes = sqlite3_column_text(pointer, index) else { return "" }
        let count = Int(sqlite3_column_bytes(pointer, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}

/// SQLite result codes as store errors, the way callers tell them apart.
enum SQLiteFailure {
    static func error(_ code: Int32, _ connection: OpaquePointer) -> StoreError {
        let message = String(cString: sqlite3_errmsg(connection))
        switch code {
        case SQLITE_CONSTRAINT, csqlite_constraint_unique, csqlite_constraint_primarykey:
            return .uniqueViolation(message)
        default:
            switch code & 0xFF {
            case SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CANTOPEN: return .unavailable(message)
            default: return .database(message)
            }
        }
    }
}
