@testable import Store
import Testing

/// The SQLite connection's statement cache: a statement is prepared once, whatever is bound to it, and its rows keep
/// the right column names when the schema changes under it.
@Suite struct SQLiteHandleTests {
    @Test func aStatementWithABoundLimitAndInListIsPreparedOnceWhateverIsBound() throws {
        let handle = try SQLiteHandle(path: nil)
        try handle.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", [])
        for id in 1...30 { try handle.execute("INSERT INTO items (id, name) VALUES ($1, $2)", [.integer(Int64(id)), .text("n\(id)")]) }
        let page = "SELECT id FROM items WHERE id IN ($1, $2, $3) OR name LIKE $4 ORDER BY id LIMIT $5 OFFSET $6"
        for round in 0..<20 {
            let rows = try handle.execute(page, [.integer(1), .integer(2), .integer(Int64(3 + round)), .text("n2%"), .integer(Int64(round % 4)),
                                                 .integer(Int64(round % 3))])
            let expected = ([1, 2, 3 + round] + [2] + Array(20...29)).reduce(into: [Int64]()) { if !$0.contains(Int64($1)) { $0.append(Int64($1)) } }
                .sorted().dropFirst(round % 3).prefix(round % 4)
            #expect(try rows.map { try $0.integer("id") } == Array(expected))
        }
        #expect(handle.reprepareCount(page) == 0)
    }

    @Test func rowsOfACachedStatementNameTheColumnsOfTheSchemaTheyWereReadUnder() throws {
        let handle = try SQLiteHandle(path: nil)
        try handle.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", [])
        try handle.execute("INSERT INTO items (id, name) VALUES (1, 'a')", [])
        let all = "SELECT * FROM items"
        #expect(try handle.execute(all, []).first?.cells == [.integer(1), .text("a")])
        try handle.execute("ALTER TABLE items RENAME COLUMN name TO title", [])
        let renamed = try #require(try handle.execute(all, []).first)
        #expect(renamed.columns.names == ["id", "title"])
        #expect(try renamed.text("title") == "a")
        try handle.execute("ALTER TABLE items ADD COLUMN size INTEGER NOT NULL DEFAULT 7", [])
        let row = try #require(try handle.execute(all, []).first)
        #expect(row.columns.names == ["id", "title", "size"])
        #expect(try row.text("title") == "a")
        #expect(try row.integer("size") == 7)
        #expect(row["name"] == nil)
        #expect(try #require(handle.reprepareCount(all)) > 0)
    }

    @Test func aNameTwoColumnsShareReadsAsTheLastOfThem() throws {
        let handle = try SQLiteHandle(path: nil)
        let row = try #require(try handle.execute("SELECT 1 AS id, 'x' AS name, 2 AS id", []).first)
        #expect(row.columns.names == ["id", "name", "id"])
        #expect(try row.integer("id") == 2)
        #expect(try row.text("name") == "x")
    }
}
