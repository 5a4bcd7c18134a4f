import Foundation
import KeywardCore

/// Console sessions, root's console password and failed sign-ins.
extension SQLTransaction {
    func rootConsolePasswordHash(accountID: String) async throws -> String? {
        try await db.execute("SELECT password_hash FROM console_root_passwords WHERE account_id = $1", [.text(accountID)]).first?.text("password_hash")
    }

    func setRootConsolePasswordHash(_ hash: String, accountID: String, at date: Date) async throws {
        try await db.execute(
            """
            INSERT INTO console_root_passwords (account_id, password_hash, updated_at) VALUES ($1, $2, $3)
            ON CONFLICT (account_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at
            """,
            [.text(accountID), .text(hash), .integer(date.epochSeconds)]
        )
    }

    func insertConsoleSession(_ session: ConsoleSession) async throws {
        let (name, id) = Self.identityColumns(session.identity)
        try await db.execute(
            """
            INSERT INTO console_sessions (id_digest, account_id, user_name, user_id, csrf_token, created_at, last_seen_at, password_change_required)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            [.text(session.idDigest), .text(session.accountID), name, id, .text(session.csrfToken), .integer(session.createdAt.epochMilliseconds),
             .integer(session.lastSeenAt.epochMilliseconds), .integer(session.passwordChangeRequired ? 1 : 0)]
        )
    }

    func consoleSession(idDigest: String) async throws -> ConsoleSession? {
        guard let row = try await db.execute("SELECT * FROM console_sessions WHERE id_digest = $1", [.text(idDigest)]).first else { return nil }
        let identity: ConsoleSession.Identity = if let name = try row.optionalText("user_name") {
            .user(name: name, id: try row.text("user_id"))
        } else {
            .root
        }
        return ConsoleSession(
            idDigest: idDigest, accountID: try row.text("account_id"), identity: identity, csrfToken: try row.text("csrf_token"),
            createdAt: Date(epochMilliseconds: try row.integer("created_at")), lastSeenAt: Date(epochMilliseconds: try row.integer("last_seen_at")),
            passwordChangeRequired: try row.integer("password_change_required") != 0
        )
    }

    func updateConsoleSession(_ session: ConsoleSession) async throws {
        try await db.execute(
            "UPDATE console_sessions SET last_seen_at = $1, password_change_required = $2 WHERE id_digest = $3",
            [.integer(session.lastSeenAt.epochMilliseconds), .integer(session.passwordChangeRequired ? 1 : 0), .text(session.idDigest)]
        )
    }

    func deleteConsoleSession(idDigest: String) async throws {
        try await db.execute("DELETE FROM console_sessions WHERE id_digest = $1", [.text(idDigest)])
    }

    func deleteConsoleSessions(accountID: String, userName: String?) async throws {
        if let userName {
            try await db.execute("DELETE FROM console_sessions WHERE account_id = $1 AND user_name = $2", [.text(accountID), .text(userName)])
        } else {
            try await db.execute("DELETE FROM console_sessions WHERE account_id = $1 AND user_name IS NULL", [.text(accountID)])
        }
    }

    func purgeConsoleSessions(lastSeenBefore idle: Date, createdBefore absolute: Date) async throws {
        try await db.execute(
            "DELETE FROM console_sessions WHERE last_seen_at < $1 OR created_at < $2", [.integer(idle.epochMilliseconds), .integer(absolute.epochMilliseconds)]
        )
    }

    func insertConsoleSignInFailure(loginName: String, at date: Date) async throws {
        try await db.execute("INSERT INTO console_sign_in_failures (login_name, failed_at) VALUES ($1, $2)", [.text(loginName), .integer(date.epochMilliseconds)])
    }

    func consoleSignInFailures(loginName: String, since date: Date) async throws -> [Date] {
        try await db.execute(
            "SELECT failed_at FROM console_sign_in_failures WHERE login_name = $1 AND failed_at >= $2", [.text(loginName), .integer(date.epochMilliseconds)]
        ).map { Date(epochMilliseconds: try $0.integer("failed_at")) }
    }

    func purgeConsoleSignInFailures(before date: Date) async throws {
        try await db.execute("DELETE FROM console_sign_in_failures WHERE failed_at < $1", [.integer(date.epochMilliseconds)])
    }

    func deleteConsoleSignInFailures(loginName: String) async throws {
        try await db.execute("DELETE FROM console_sign_in_failures WHERE login_name = $1", [.text(loginName)])
    }

    private static func identityColumns(_ identity: ConsoleSession.Identity) -> (SQLValue, SQLValue) {
        switch identity {
        case .root: (.null, .null)
        case .user(let name, let id): (.text(name), .text(id))
        }
    }
}
