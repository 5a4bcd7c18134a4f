import Foundation
import KeywardCore

/// The console's part of a transaction: root's console password, sessions and failed sign-ins, all in the database so
/// that every server of a deployment sees the same ones.
public protocol ConsoleStoreTransaction: Sendable {
    /// The crypt hash of the account root's console password.
    func rootConsolePasswordHash(accountID: String) async throws -> String?
    func setRootConsolePasswordHash(_ hash: String, accountID: String, at date: Date) async throws

    func insertConsoleSession(_ session: ConsoleSession) async throws
    func consoleSession(idDigest: String) async throws -> ConsoleSession?
    func updateConsoleSession(_ session: ConsoleSession) async throws
    func deleteConsoleSession(idDigest: String) async throws
    /// Ends every session of one identity (its password changed or its login profile went).
    func deleteConsoleSessions(accountID: String, userName: String?) async throws
    func purgeConsoleSessions(lastSeenBefore idle: Date, createdBefore absolute: Date) async throws

    func insertConsoleSignInFailure(loginName: String, at date: Date) async throws
    /// When the name's failed sign-ins since `date` happened.
    func consoleSignInFailures(loginName: String, since date: Date) async throws -> [Date]
    func deleteConsoleSignInFailures(loginName: String) async throws
    /// Forgets failures older than the window, whatever the name.
    func purgeConsoleSignInFailures(before date: Date) async throws
}
