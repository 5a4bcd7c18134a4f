import Foundation
import KeywardCore
import Logging
import Services
import SSHKeys
import Store
import Testing

/// Console sign-in: root's password, RAM login profiles, sessions and their expiry, throttling.
@Suite struct ConsoleSignInTests {
    static let account = CredentialService.defaultAccountID

    /// An in-memory store with the default account and a RAM user `alice` whose login profile has `password`.
    static func store(alicePassword: String = "Alice-pass-1", resetRequired: Bool = false) async throws -> SQLStore {
        let store = try await SQLStore.sqlite(path: nil, logger: Logger(label: "test"))
        try await store.write { tx in
            let now = Date()
            try await tx.insertAccount(id: account, name: "default", createdAt: now)
            try await tx.insertUser(RAMUser(id: "2000000000000009", name: "alice", displayName: "Alice", createdAt: now, updatedAt: now), accountID: account)
            try await tx.insertLoginProfile(
                LoginProfile(userName: "alice", passwordHash: PasswordHash.sha512Crypt(alicePassword), passwordResetRequired: resetRequired, mfaBindRequired: false,
                             createdAt: now, updatedAt: now),
                accountID: account
            )
        }
        return store
    }

    @Test func rootPasswordIsMadeOnceAndKept() async throws {
        let store = try await Self.store()
        let signIn = ConsoleSignIn(store: store, logger: Logger(label: "test"))
        guard case .generated(let password) = try await signIn.ensureRootPassword(configured: nil) else { Issue.record("not generated"); return }
        #expect(password.count == 20)
        #expect(try await signIn.ensureRootPassword(configured: "Another-pass-1") == .existing)
        // The configured one did not replace the first.
        await #expect(throws: ConsoleSignIn.SignInFailure.incorrect) { try await signIn.signIn(loginName: "root", password: "Another-pass-1", sourceIP: "127.0.0.1") }
        let session = try await signIn.signIn(loginName: "root", password: password, sourceIP: "127.0.0.1").session
        #expect(session.identity == .root)
        #expect(session.accountID == Self.account)
    }

    @Test func rootPasswordResetEndsRootSessions() async throws {
        let store = try await Self.store()
        let signIn = ConsoleSignIn(store: store, logger: Logger(label: "test"))
        #expect(try await signIn.ensureRootPassword(configured: "First-pass-1") == .configured)
        let first = try await signIn.signIn(loginName: "root", password: "First-pass-1", sourceIP: "127.0.0.1")
        try await signIn.setRootPassword("Second-pass-2")
        #expect(try await signIn.session(cookieValue: first.cookieValue) == .none)
        await #expect(throws: ConsoleSignIn.SignInFailure.incorrect) { try await signIn.signIn(loginName: "root", password: "First-pass-1", sourceIP: "127.0.0.1") }
        _ = try await signIn.signIn(loginName: "root", password: "Second-pass-2", sourceIP: "127.0.0.1")
        await #expect(throws: ConsoleSignIn.SignInFailure.passwordRule("The password must be 8 to 32 characters long.")) { try await signIn.setRootPassword("short") }
    }

    @Test func ramUsersSignInByAccountIDOrAlias() async throws {
        let store = try await Self.store()
        let signIn = ConsoleSignIn(store: store, logger: Logger(label: "test"))
        let byID = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.1")
        #expect(byID.session.identity == .user(name: "alice", id: "2000000000000009"))
        #expect(try await signIn.displayName(of: byID.session) == "alice@\(Self.account)")
        try await store.write { tx in try await tx.setAccountAlias(accountID: Self.account, alias: "acme") }
        let byAlias = try await signIn.signIn(loginName: "Alice@ACME", password: "Alice-pass-1", sourceIP: "10.0.0.1")
        #expect(try await signIn.displayName(of: byAlias.session) == "alice@acme")
        for name in ["alice", "alice@", "@acme", "bob@acme", "alice@nosuch", "alice@acme@x"] {
            await #expect(throws: ConsoleSignIn.SignInFailure.incorrect) { try await signIn.signIn(loginName: name, password: "Alice-pass-1", sourceIP: "10.0.0.1") }
        }
        // The user's last logon is recorded.
        let user = try await store.read { tx in try await tx.user(named: "alice", accountID: Self.account) }
        #expect(user?.lastLoginAt != nil)
    }

    @Test func fiveFailuresThrottleTheNameEvenWithTheRightPassword() async throws {
        let store = try await Self.store()
        let signIn = ConsoleSignIn(store: store, logger: Logger(label: "test"))
        let now = Date()
        for _ in 0..<ConsoleSignIn.failureLimit {
            await #expect(throws: ConsoleSignIn.SignInFailure.incorrect) {
                try await signIn.signIn(loginName: "alice@\(Self.account)", password: "wrong-pass", sourceIP: "10.0.0.1", now: now)
            }
        }
        await #expect(throws: ConsoleSignIn.SignInFailure.throttled(retryAfter: ConsoleSignIn.failureWindow)) {
            try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.1", now: now)
        }
        // Another name is not affected; after the window the right password works again.
        _ = try await signIn.ensureRootPassword(configured: "Root-pass-1")
        _ = try await signIn.signIn(loginName: "root", password: "Root-pass-1", sourceIP: "10.0.0.1", now: now)
        _ = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.1",
                                    now: now.addingTimeInterval(ConsoleSignIn.failureWindow + 1))
        // Each attempt is in the audit trail as a ConsoleSignin, refused ones with their reason.
        let events = try await store.read { tx in
            try await tx.auditEvents(matching: AuditQuery(accountID: Self.account, start: now.addingTimeInterval(-60), end: now.addingTimeInterval(3600),
                                                          attributes: [], after: nil, limit: 100, forward: true))
        }
        let signIns = events.filter { $0.action == "signin:ConsoleSignin" }
        #expect(signIns.count == 8)
        #expect(signIns.filter { $0.errorCode == "InvalidPassword" }.count == 5)
        #expect(signIns.filter { $0.errorCode == "Throttling" }.count == 1)
    }

    @Test func sessionsExpireWhenIdleAndAtTheirAbsoluteLimit() async throws {
        let store = try await Self.store()
        let signIn = ConsoleSignIn(store: store, lifetimes: .init(idle: 60, absolute: 300), logger: Logger(label: "test"))
        let start = Date()
        let idle = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.1", now: start)
        guard case .live(let touched) = try await signIn.session(cookieValue: idle.cookieValue, now: start.addingTimeInterval(59)) else {
            Issue.record("the session did not live for 59 s")
            return
        }
        #expect(touched.idDigest == idle.session.idDigest && touched.lastSeenAt == start.addingTimeInterval(59))
        #expect(try await signIn.session(cookieValue: idle.cookieValue, now: start.addingTimeInterval(59 + 61)) == .expired)
        #expect(try await signIn.session(cookieValue: idle.cookieValue, now: start.addingTimeInterval(59 + 62)) == .none)

        let busy = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.1", now: start)
        for second in stride(from: 50, through: 250, by: 50) {
            guard case .live = try await signIn.session(cookieValue: busy.cookieValue, now: start.addingTimeInterval(TimeInterval(second))) else {
                Issue.record("a session in use ended at \(second) s")
                return
            }
        }
        #expect(try await signIn.session(cookieValue: busy.cookieValue, now: start.addingTimeInterval(301)) == .expired)
    }

    @Test func theStoreKeepsOnlyTheDigestOfASessionID() async throws {
        let store = try await Self.store()
        let signIn = ConsoleSignIn(store: store, logger: Logger(label: "test"))
        let new = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.1")
        #expect(new.cookieValue.count == 43)
        #expect(try await store.read { tx in try await tx.consoleSession(idDigest: new.cookieValue) } == nil)
        #expect(new.session.idDigest.count == 64)
        #expect(new.session.idDigest != new.cookieValue)
        #expect(try await signIn.session(cookieValue: String(new.cookieValue.dropLast()) + "A") == .none)
    }

    @Test func aRequiredResetIsDoneOnceAndEndsOtherSessions() async throws {
        let store = try await Self.store(resetRequired: true)
        let signIn = ConsoleSignIn(store: store, logger: Logger(label: "test"))
        let first = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.1")
        #expect(first.session.passwordChangeRequired)
        let other = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.2")
        await #expect(throws: ConsoleSignIn.SignInFailure.passwordsDiffer) {
            try await signIn.changeOwnPassword(first.session, newPassword: "Alice-new-2", confirmation: "Alice-new-3", sourceIP: "10.0.0.1")
        }
        await #expect(throws: ConsoleSignIn.SignInFailure.passwordRule("The new password must differ from the current one.")) {
            try await signIn.changeOwnPassword(first.session, newPassword: "Alice-pass-1", confirmation: "Alice-pass-1", sourceIP: "10.0.0.1")
        }
        let renewed = try await signIn.changeOwnPassword(first.session, newPassword: "Alice-new-2", confirmation: "Alice-new-2", sourceIP: "10.0.0.1")
        #expect(!renewed.session.passwordChangeRequired)
        #expect(try await signIn.session(cookieValue: first.cookieValue) == .none)
        #expect(try await signIn.session(cookieValue: other.cookieValue) == .none)
        guard case .live = try await signIn.session(cookieValue: renewed.cookieValue) else { Issue.record("the renewed session is not live"); return }
        await #expect(throws: ConsoleSignIn.SignInFailure.incorrect) {
            try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.1")
        }
        let again = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-new-2", sourceIP: "10.0.0.1")
        #expect(!again.session.passwordChangeRequired)
    }

    @Test func removingTheLoginProfileOrTheUserEndsTheirSessions() async throws {
        let store = try await Self.store()
        let signIn = ConsoleSignIn(store: store, logger: Logger(label: "test"))
        let session = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.1")
        try await store.write { tx in try await tx.deleteLoginProfile(userName: "alice", accountID: Self.account) }
        #expect(try await signIn.session(cookieValue: session.cookieValue) == .none)
        #expect(try await store.read { tx in try await tx.consoleSession(idDigest: session.session.idDigest) } == nil)
    }

    @Test func csrfTokensCompareExactly() {
        let session = ConsoleSession(idDigest: "d", accountID: "a", identity: .root, csrfToken: "abcdef", createdAt: Date(), lastSeenAt: Date(),
                                     passwordChangeRequired: false)
        #expect(ConsoleSignIn.csrfMatches("abcdef", session))
        #expect(!ConsoleSignIn.csrfMatches("abcdeg", session))
        #expect(!ConsoleSignIn.csrfMatches("abcde", session))
        #expect(!ConsoleSignIn.csrfMatches(nil, session))
        #expect(!ConsoleSignIn.tokensMatch("", ""))
    }
}
