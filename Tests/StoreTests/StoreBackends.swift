import Foundation
import Logging
import Store
import Testing

/// The backends the one Store suite runs against: SQLite always, PostgreSQL when `KEYWARD_TEST_POSTGRES_URL` names a
/// server (`test.sh` starts one with `scripts/scratch-postgres.sh` and sets it).
enum StoreBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static let postgresURL = ProcessInfo.processInfo.environment["KEYWARD_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    static var available: [StoreBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }

    /// Where a fresh, empty store lives: a file in a new temporary directory, or a new schema on the test server.
    func newLocation() throws -> String {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kw-store-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return directory + "/db.sqlite3"
        case .postgres:
            let url = try #require(Self.postgresURL)
            let schema = "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            return url + (url.contains("?") ? "&" : "?") + "search_path=" + schema
        }
    }

    /// Opens the store at `location` (creating its schema on PostgreSQL).
    func open(_ location: String) async throws -> SQLStore {
        let logger = Logger(label: "test")
        switch self {
        case .sqlite: return try await SQLStore.sqlite(path: location, logger: logger)
        case .postgres: return try await SQLStore.postgres(url: location, logger: logger)
        }
    }
}

@Suite struct StoreBackendTests {
    /// In CI the PostgreSQL half of the suite must run, not silently drop out.
    @Test func postgresIsConfiguredWhereTheTestScriptRuns() {
        if ProcessInfo.processInfo.environment["KEYWARD_TEST_SCRIPT"] == "1" {
            #expect(StoreBackend.postgresURL != nil, "test.sh starts PostgreSQL and sets KEYWARD_TEST_POSTGRES_URL")
        }
    }
}
