@testable import Store
import Testing

@Suite struct SQLiteDialectTests {
    @Test func placeholdersBecomeNumberedParameters() {
        #expect(SQLiteHandle.sqliteSQL("SELECT $2, $1, $10") == "SELECT ?2, ?1, ?10")
        #expect(SQLiteHandle.sqliteSQL("SELECT '$' || x") == "SELECT '$' || x")
    }

    @Test func databaseURLParsing() throws {
        #expect(try DatabaseLocation(databaseURL: nil) == .sqlite(path: "./data/gateway.sqlite"))
        #expect(try DatabaseLocation(databaseURL: "sqlite:/tmp/x.db") == .sqlite(path: "/tmp/x.db"))
        #expect(try DatabaseLocation(databaseURL: "sqlite:///tmp/x.db") == .sqlite(path: "/tmp/x.db"))
        #expect(throws: StoreError.self) { try DatabaseLocation(databaseURL: "mysql://x") }
        #expect(throws: StoreError.self) { try DatabaseLocation(databaseURL: "postgres://host/db") }
        let url = try PostgresURL("postgres://u:p%40ss@db.example:6543/gw?sslmode=disable")
        #expect(url.password == "p@ss")
        #expect(url.port == 6543)
        #expect(url.redacted == "postgres://u:***@db.example:6543/gw")
    }
}
