import Crypto
import Foundation
import KeywardCore
import Logging
import SSHKeys
import Store

/// Who may use the console and for how long: root's console password, RAM users' login profiles, sessions with idle
/// and absolute expiry, and a limit on failed sign-ins per identity. Everything lives in the store, so that any
/// server of a deployment honours any session.
public struct ConsoleSignIn: Sendable {
    /// How long sessions last.
    public struct Lifetimes: Sendable {
        public var idle: TimeInterval
        public var absolute: TimeInterval

        public init(idle: TimeInterval = 1800, absolute: TimeInterval = 43_200) {
            self.idle = idle
            self.absolute = absolute
        }
    }

    /// Failed sign-ins allowed per identity within `failureWindow` before it is refused for the rest of the window.
    public static let failureLimit = 5
    public static let failureWindow: TimeInterval = 900

    private let store: any Store
    private let lifetimes: Lifetimes
    private let logger: Logger

    public init(store: any Store, lifetimes: Lifetimes = Lifetimes(), logger: Logger) {
        self.store = store
        self.lifetimes = lifetimes
        self.logger = logger
    }

    // MARK: Root's console password

    /// What `ensureRootPassword` found or made.
    public enum RootPasswordOutcome: Sendable, Equatable {
        /// Made now: shown this once.
        case generated(String)
        /// Taken from the operator's configuration (`KEYWARD_ROOT_PASSWORD`) at this first start.
        case configured
        /// Set on an earlier start or with `keyward admin set-root-password`.
        case existing
    }

    /// Makes sure the default account's root has a console password: kept when one exists, else the configured one,
    /// else a new random one.
    public func ensureRootPassword(configured: String?) async throws -> RootPasswordOutcome {
        let accountID = CredentialService.defaultAccountID
        if try await store.read({ tx in try await tx.rootConsolePasswordHash(accountID: accountID) }) != nil { return .existing }
        let password = configured ?? Self.randomPassword()
        if configured != nil { try Self.checkPassword(password) }
        let hash = await PasswordHashing.hash(password)
        try await store.write { tx in try await tx.setRootConsolePasswordHash(hash, accountID: accountID, at: Date()) }
        return configured == nil ? .generated(password) : .configured
    }

    /// Sets root's console password and ends root's sessions (`keyward admin set-root-password`).
    public func setRootPassword(_ password: String) async throws {
        try Self.checkPassword(password)
        let accountID = CredentialService.defaultAccountID
        let hash = await PasswordHashing.hash(password)
        try await store.write { tx in
            guard try await tx.accountExists(id: accountID) else { throw SignInFailure.noAccount }
            try await tx.setRootConsolePasswordHash(hash, accountID: accountID, at: Date())
            try await tx.deleteConsoleSessions(accountID: accountID, userName: nil)
        }
    }

    static func checkPassword(_ password: String) throws(SignInFailure) {
        let lengths = LoginProfile.passwordLengths
        guard lengths.contains(password.count) else {
            throw .passwordRule("The password must be \(lengths.lowerBound) to \(lengths.upperBound) characters long.")
        }
    }

    static func randomPassword() -> String { RandomText.alphanumeric(count: 20) }

    // MARK: Signing in

    /// Why a sign-in or a password change did not happen, in words a login page can show.
    public enum SignInFailure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Unknown name, wrong password or no login profile: the page never says which.
        case incorrect
        case throttled(retryAfter: TimeInterval)
        case passwordRule(String)
        case passwordsDiffer
        case currentPasswordWrong
        case noAccount

        public var description: String {
            switch self {
            case .incorrect: "The username or password is incorrect."
            case .throttled(let seconds):
                "Too many failed attempts for this username. Try again in \(max(1, Int((seconds / 60).rounded(.up)))) minutes."
            case .passwordRule(let rule): rule
            case .passwordsDiffer: "The two passwords differ."
            case .currentPasswordWrong: "The current password is incorrect."
            case .noAccount: "The server has no account yet: start it once first."
            }
        }
    }

    /// A new session: the id for the cookie (shown nowhere else) and the session as stored.
    public struct NewSession: Sendable {
        public let cookieValue: String
        public let session: ConsoleSession
    }

    /// Signs in `root` or `user@alias-or-account-id` (the part after `@` in any case) with a password. Every failure looks
    /// the same to the caller and costs the same hash. The attempt is counted against the identity the name resolves to
    /// (the typed name when it resolves to none) in the same transaction that checks the limit, so parallel guesses get
    /// no more tries; a success clears the count.
    public func signIn(loginName: String, password: String, sourceIP: String, now: Date = Date()) async throws -> NewSession {
        let name = Self.normalized(loginName)
        guard !name.isEmpty, name.count <= 256, password.count <= 256 else { throw SignInFailure.incorrect }
        let found = try await store.read { tx in try await Self.identity(for: name, tx) }
        let counted = found.map { "\($0.accountID)/\($0.identity.countingName)" } ?? name
        let windowStart = now.addingTimeInterval(-Self.failureWindow)
        let earlier = try await store.write { tx -> [Date] in
            try await tx.purgeConsoleSignInFailures(before: windowStart)
            let earlier = try await tx.consoleSignInFailures(loginName: counted, since: windowStart)
            if earlier.count < Self.failureLimit { try await tx.insertConsoleSignInFailure(loginName: counted, at: now) }
            return earlier
        }
        if earlier.count >= Self.failureLimit {
            try await record(name, sourceIP: sourceIP, accountID: found?.accountID, principal: found?.identity, error: "Throttling", now: now)
            let retry = (earlier.min() ?? now).addingTimeInterval(Self.failureWindow).timeIntervalSince(now)
            throw SignInFailure.throttled(retryAfter: max(1, retry))
        }
        // A missing identity is checked against a hash of the same cost, so timing tells nothing.
        let matches = await PasswordHashing.verify(password, against: found?.hash ?? Self.decoyHash)
        guard let found, matches else {
            try await record(name, sourceIP: sourceIP, accountID: found?.accountID, principal: found?.identity, error: "InvalidPassword", now: now)
            throw SignInFailure.incorrect
        }
        let cookie = RandomText.token()
        let session = ConsoleSession(
            idDigest: Self.digest(cookie), accountID: found.accountID, identity: found.identity, csrfToken: RandomText.token(), createdAt: now,
            lastSeenAt: now, passwordChangeRequired: found.resetRequired
        )
        try await store.write { tx in
            try await tx.deleteConsoleSignInFailures(loginName: counted)
            try await tx.purgeConsoleSessions(lastSeenBefore: now.addingTimeInterval(-lifetimes.idle), createdBefore: now.addingTimeInterval(-lifetimes.absolute))
            try await tx.insertConsoleSession(session)
            if case .user(let userName, _) = found.identity, var user = try await tx.user(named: userName, accountID: found.accountID) {
                user.lastLoginAt = now
                try await tx.updateUser(user, named: userName, accountID: found.accountID)
            }
        }
        try await record(name, sourceIP: sourceIP, accountID: found.accountID, principal: found.identity, error: nil, now: now)
        return NewSession(cookieValue: cookie, session: session)
    }

    /// `root` in any case; the account part after `@` in lower case (aliases are lower case), the user name as typed.
    static func normalized(_ loginName: String) -> String {
        let trimmed = loginName.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "root" { return "root" }
        guard let at = trimmed.lastIndex(of: "@") else { return trimmed }
        return String(trimmed[..<at]) + "@" + trimmed[trimmed.index(after: at)...].lowercased()
    }

    /// The live session for a cookie; nil when unknown, expired, or its identity can no longer sign in. `touch` counts the
    /// request as use (a page's own refresh of its live state does not, so an open tab still ends when idle).
    public func session(cookieValue: String, touch: Bool = true, now: Date = Date()) async throws -> SessionLookup {
        guard cookieValue.utf8.count == 43 else { return .none }
        let digest = Self.digest(cookieValue)
        guard var session = try await store.read({ tx in try await tx.consoleSession(idDigest: digest) }) else { return .none }
        if now.timeIntervalSince(session.lastSeenAt) > lifetimes.idle || now.timeIntervalSince(session.createdAt) > lifetimes.absolute {
            try await store.write { tx in try await tx.deleteConsoleSession(idDigest: digest) }
            return .expired
        }
        if case .user(let name, let id) = session.identity {
            let accountID = session.accountID
            let alive = try await store.read { tx in
                guard let user = try await tx.user(named: name, accountID: accountID), user.id == id else { return false }
                return try await tx.loginProfile(userName: name, accountID: accountID) != nil
            }
            guard alive else {
                try await store.write { tx in try await tx.deleteConsoleSession(idDigest: digest) }
                return .none
            }
        }
        // Touch at most every few seconds (a quarter of the idle time when that is shorter): most reads stay reads.
        if touch, now.timeIntervalSince(session.lastSeenAt) > min(5, lifetimes.idle / 4) {
            session.lastSeenAt = now
            let touched = session
            try await store.write { tx in try await tx.updateConsoleSession(touched) }
        }
        return .live(session)
    }

    /// What a cookie stands for.
    public enum SessionLookup: Sendable, Equatable {
        case live(ConsoleSession)
        /// It was a session, and it ran out.
        case expired
        case none
    }

    public func signOut(_ session: ConsoleSession) async throws {
        try await store.write { tx in try await tx.deleteConsoleSession(idDigest: session.idDigest) }
    }

    /// The operation of a console password change by its owner (RAM's ChangePassword): every identity may change its own,
    /// and the change is audited.
    public static let changePasswordOperation = Operation.unrestrictedWrite("ram:ChangePassword")

    /// Changes the signed-in identity's own console password: the current one is asked for unless the login profile
    /// requires the change at this first logon. Every session of that identity ends, and a new one is returned.
    public func changeOwnPassword(
        _ call: AuthorizedCall, _ session: ConsoleSession, currentPassword: String?, newPassword: String, confirmation: String, now: Date = Date()
    ) async throws -> NewSession {
        try call.expect("ram:ChangePassword")
        guard newPassword == confirmation else { throw SignInFailure.passwordsDiffer }
        try Self.checkPassword(newPassword)
        let hash = await PasswordHashing.hash(newPassword)
        let cookie = RandomText.token()
        let renewed = ConsoleSession(
            idDigest: Self.digest(cookie), accountID: session.accountID, identity: session.identity, csrfToken: RandomText.token(), createdAt: now,
            lastSeenAt: now, passwordChangeRequired: false
        )
        let accountID = session.accountID
        call.note("change", "console password changed by its owner")
        let identity = session.identity
        @Sendable func currentHash(_ tx: any StoreTransaction) async throws -> String? {
            switch identity {
            case .root: try await tx.rootConsolePasswordHash(accountID: accountID)
            case .user(let name, _): try await tx.loginProfile(userName: name, accountID: accountID)?.passwordHash
            }
        }
        // Verified outside the transaction (a hash takes a while); the write then checks the hash is still the one verified.
        guard let verifiedHash = try await store.read({ tx in try await currentHash(tx) }) else { throw SignInFailure.incorrect }
        if !session.passwordChangeRequired {
            guard let currentPassword, await PasswordHashing.verify(currentPassword, against: verifiedHash) else {
                throw SignInFailure.currentPasswordWrong
            }
        }
        if await PasswordHashing.verify(newPassword, against: verifiedHash) {
            throw SignInFailure.passwordRule("The new password must differ from the current one.")
        }
        try await call.write { tx in
            guard try await currentHash(tx) == verifiedHash else { throw SignInFailure.incorrect }
            switch session.identity {
            case .root:
                try await tx.setRootConsolePasswordHash(hash, accountID: accountID, at: now)
            case .user(let name, _):
                guard var profile = try await tx.loginProfile(userName: name, accountID: accountID) else { throw SignInFailure.incorrect }
                profile.passwordHash = hash
                profile.passwordResetRequired = false
                profile.updatedAt = now
                try await tx.updateLoginProfile(profile, accountID: accountID)
            }
            try await tx.deleteConsoleSessions(accountID: accountID, userName: session.userName)
            try await tx.insertConsoleSession(renewed)
        }
        return NewSession(cookieValue: cookie, session: renewed)
    }

    /// The identity a session acts as, for the access door.
    public static func principal(of session: ConsoleSession) -> Principal {
        switch session.identity {
        case .root: Principal(accountID: session.accountID, identity: .root, accessKeyID: "")
        case .user(let name, let id): Principal(accountID: session.accountID, identity: .user(name: name, id: id), accessKeyID: "")
        }
    }

    /// The name a session signs in as: `root`, or `user@alias` (`user@account-id` without an alias).
    public func displayName(of session: ConsoleSession) async throws -> String {
        switch session.identity {
        case .root: return "root"
        case .user(let name, _):
            let alias = try await store.read { tx in try await tx.accountAlias(accountID: session.accountID) }
            return "\(name)@\(alias ?? session.accountID)"
        }
    }

    /// What follows `user@` in a RAM user's logon name: the account's alias, else its id.
    public func displayDomain(accountID: String) async throws -> String {
        try await store.read { tx in try await tx.accountAlias(accountID: accountID) } ?? accountID
    }

    /// Compares a form's CSRF token with the session's in constant time.
    public static func csrfMatches(_ sent: String?, _ session: ConsoleSession) -> Bool {
        tokensMatch(sent, session.csrfToken)
    }

    /// Compares two tokens in constant time; a missing one never matches.
    public static func tokensMatch(_ sent: String?, _ expected: String) -> Bool {
        guard let sent, !expected.isEmpty else { return false }
        let (a, b) = (Array(sent.utf8), Array(expected.utf8))
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A fresh random token (43 characters, base64url).
    public static func newToken() -> String { RandomText.token() }

    // MARK: Helpers

    private struct FoundIdentity {
        let accountID: String
        let identity: ConsoleSession.Identity
        let hash: String
        let resetRequired: Bool
    }

    private static func identity(for loginName: String, _ tx: any StoreTransaction) async throws -> FoundIdentity? {
        if loginName == "root" {
            let accountID = CredentialService.defaultAccountID
            guard let hash = try await tx.rootConsolePasswordHash(accountID: accountID) else { return nil }
            return FoundIdentity(accountID: accountID, identity: .root, hash: hash, resetRequired: false)
        }
        let parts = loginName.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        let (userName, domain) = (String(parts[0]), String(parts[1]))
        let accountID: String
        if try await tx.accountExists(id: domain) {
            accountID = domain
        } else if let aliased = try await tx.accountID(alias: domain) {
            accountID = aliased
        } else {
            return nil
        }
        guard let user = try await tx.user(named: userName, accountID: accountID),
              let profile = try await tx.loginProfile(userName: userName, accountID: accountID) else { return nil }
        return FoundIdentity(accountID: accountID, identity: .user(name: user.name, id: user.id), hash: profile.passwordHash,
                             resetRequired: profile.passwordResetRequired)
    }

    /// Records a sign-in in the audit trail (ActionTrail's ConsoleSignin), successful or not.
    private func record(_ loginName: String, sourceIP: String, accountID: String?, principal: ConsoleSession.Identity?, error: String?, now: Date) async throws {
        let (type, name, id): (String, String, String) = switch principal {
        case .root?: ("root", "root", accountID ?? "")
        case .user(let user, let userID)?: ("user", user, userID)
        case nil: ("unknown", loginName, "")
        }
        let event = AuditEvent(
            id: UUID().uuidString.lowercased(), time: now, accountID: accountID ?? CredentialService.defaultAccountID, principalType: type,
            principalName: name, principalID: id, accessKeyID: "", sourceIP: sourceIP, action: "signin:ConsoleSignin", regionID: "",
            apiVersion: "", requestID: UUID().uuidString, resources: [], errorCode: error,
            errorMessage: error == nil ? nil : "console sign-in refused", details: [:], isWrite: false
        )
        try await store.write { tx in try await tx.insertAuditEvent(event) }
    }

    static func digest(_ cookieValue: String) -> String {
        Hex.encode(SHA256.hash(data: Data(cookieValue.utf8)))
    }

    /// A hash no password matches, with the default cost.
    private static let decoyHash = PasswordHash.sha512Crypt(RandomText.token(), rounds: PasswordHashing.rounds)
}
