import Foundation
import Logging
import Store
import Testing

/// How the PostgreSQL pool tells an outage from a busy pool: only a database that refuses a new connection is out.
@Suite(.enabled(if: StoreBackend.postgresURL != nil, "needs KEYWARD_TEST_POSTGRES_URL"))
struct PostgresOutageTests {
    /// The pool's eight connections held past the lease bound and past their statement deadline, nothing committing
    /// meanwhile: the database still answers, so every transaction is waited for, and a ninth gets a connection.
    @Test func aBusyPoolWhileTheDatabaseAnswersIsWaitedForNotTakenForAnOutage() async throws {
        let database = try await PostgresDatabase.open(url: try StoreBackend.postgres.newLocation(), logger: Logger(label: "test"),
                                                       leaseTimeout: .seconds(1))
        let statements = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                // Longer than a statement's 4 s deadline, shorter than twice it.
                group.addTask { try await database.read { db in try await db.execute("SELECT pg_sleep(5.5)") }.count }
            }
            try await Task.sleep(for: .milliseconds(500))
            group.addTask { try await database.read { db in try await db.execute("SELECT 1 AS one") }.count }
            return try await group.reduce(0, +)
        }
        await database.close()
        #expect(statements == 9)
    }

    /// Every connection of the pool bounds its lock waits (the write lock's above all) at 30 s from the moment it opens.
    @Test func everyConnectionBoundsItsLockWaits() async throws {
        let database = try await PostgresDatabase.open(url: try StoreBackend.postgres.newLocation(), logger: Logger(label: "test"))
        let read = try await database.read { db in try await db.execute("SHOW lock_timeout") }.first?.text("lock_timeout")
        let written = try await database.write { db in try await db.execute("SHOW lock_timeout") }.first?.text("lock_timeout")
        await database.close()
        #expect(read == "30s")
        #expect(written == "30s")
    }

    /// Nothing listens where the URL points: open fails `unavailable` after the lease bound instead of waiting.
    @Test func aDatabaseRefusingConnectionsIsUnavailable() async throws {
        let port = try Self.closedPort()
        await #expect {
            _ = try await PostgresDatabase.open(url: "postgres://keyward@127.0.0.1:\(port)/keyward?sslmode=disable", logger: Logger(label: "test"),
                                                leaseTimeout: .seconds(1))
        } throws: { error in
            guard case StoreError.unavailable(let message) = error else { return false }
            return message.contains("no connection to PostgreSQL")
        }
    }

    /// A loopback port nothing listens on: bound, then closed at once.
    private static func closedPort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard bound == 0, named == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
