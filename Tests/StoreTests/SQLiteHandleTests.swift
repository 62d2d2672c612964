import Foundation
@testable import Store
import Testing

@Suite("SQLite handle: statement cache, binds and errors")
struct SQLiteHandleTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("handle-\(UUID().uuidString).sqlite").path

    func open() throws -> SQLiteHandle {
        let handle = try SQLiteHandle(path: path)
        _ = try handle.query("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)", [])
        return handle
    }

    @Test func rowsComeBackByColumnNameWithTheirTypes() throws {
        let handle = try open()
        defer { handle.close() }
        _ = try handle.query("INSERT INTO t (name, n) VALUES ($1, $2), ($3, $4)", [.text("é😀\"'"), .int(Int64.min), .text("b"), .null])
        let rows = try handle.query("SELECT name, n, 1.5 AS r FROM t ORDER BY id", [])
        #expect(rows.count == 2)
        #expect(try rows[0].text("name") == "é😀\"'")
        #expect(try rows[0].int("n") == Int64.min)
        #expect(try rows[1].optionalInt("n") == nil)
        #expect(try rows[0].text("r") == "1.5")  // REAL surfaces as text, never as a money value
    }

    /// Far more distinct statements than the cache holds, then the first ones again: results
    /// stay right across evictions, and a reused statement starts with fresh binds.
    @Test func statementsStayCorrectAcrossCacheEvictions() throws {
        let handle = try open()
        defer { handle.close() }
        for index in 0..<(SQLiteHandle.statementCacheLimit * 2) {
            let rows = try handle.query("SELECT $1 + \(index) AS v", [.int(1)])
            #expect(try rows.first?.int("v") == Int64(index + 1))
        }
        #expect(try handle.query("SELECT $1 + 0 AS v", [.int(41)]).first?.int("v") == 41)
        #expect(try handle.query("SELECT $1 + 0 AS v", [.null]).first?.optionalInt("v") == nil)
    }

    /// A cached statement reads columns by name; a schema change, here or by another process,
    /// must not leave them stale.
    @Test func aSchemaChangeIsSeenByCachedStatements() throws {
        let handle = try open()
        defer { handle.close() }
        _ = try handle.query("INSERT INTO t (name) VALUES ('a')", [])
        #expect(try handle.query("SELECT * FROM t", []).first?.values.count == 3)
        _ = try handle.query("ALTER TABLE t ADD COLUMN extra TEXT DEFAULT 'x'", [])
        #expect(try handle.query("SELECT * FROM t", []).first?.text("extra") == "x")
        let other = try SQLiteHandle(path: path)
        _ = try other.query("ALTER TABLE t RENAME COLUMN extra TO renamed", [])
        other.close()
        let row = try handle.query("SELECT * FROM t", []).first
        #expect(try row?.text("renamed") == "x")
        #expect(row?.values["extra"] == nil)
    }

    @Test func constraintFailuresAreUniqueViolationsAndLeaveTheStatementReusable() throws {
        let handle = try open()
        defer { handle.close() }
        let insert = "INSERT INTO t (name) VALUES ($1)"
        _ = try handle.query(insert, [.text("a")])
        #expect {
            try handle.query(insert, [.text("a")])
        } throws: { error in
            if case StoreError.uniqueViolation = error { true } else { false }
        }
        _ = try handle.query(insert, [.text("b")])
        #expect(try handle.query("SELECT count(*) AS c FROM t", []).first?.int("c") == 2)
    }

    @Test func wrongBindCountsAndSecondStatementsAreRefused() throws {
        let handle = try open()
        defer { handle.close() }
        #expect(throws: StoreError.self) { try handle.query("SELECT $1 AS v", []) }
        #expect(throws: StoreError.self) { try handle.query("SELECT 1 AS v", [.int(1)]) }
        // Text after the first statement would silently never run.
        #expect(throws: StoreError.self) { try handle.query("INSERT INTO t (name) VALUES ('x'); DELETE FROM t", []) }
        #expect(try handle.query("SELECT count(*) AS c FROM t", []).first?.int("c") == 0)
        #expect(throws: StoreError.self) { try handle.query("SELEC 1", []) }
        #expect(throws: StoreError.self) { try handle.query("  ", []) }
        #expect(throws: StoreError.self) { try handle.query("SELECT 1 AS v\u{0}; DELETE FROM t", []) }
        // A trailing semicolon and blanks are one statement.
        #expect(try handle.query("SELECT 2 AS v; \n", []).first?.int("v") == 2)
    }

    @Test func aClosedHandleRefusesWork() throws {
        let handle = try open()
        handle.close()
        #expect(throws: StoreError.self) { try handle.query("SELECT 1 AS v", []) }
    }
}
