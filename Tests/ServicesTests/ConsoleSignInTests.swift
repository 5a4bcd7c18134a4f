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
        let byAlias = try await signIn.signIn(loginName: "alice@ACME", password: "Alice-pass-1", sourceIP: "10.0.0.1")
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
        do {
            _ = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.1", now: now)
            Issue.record("the right password after five failures was let in")
        } catch ConsoleSignIn.SignInFailure.throttled(let retry) {
            #expect(abs(retry - ConsoleSignIn.failureWindow) < 1)
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
        let altered = String(new.cookieValue.dropLast()) + (new.cookieValue.hasSuffix("A") ? "B" : "A")
        #expect(try await signIn.session(cookieValue: altered) == .none)
    }

    /// Changes the session's own password through the access door, as the console does.
    static func change(
        _ signIn: ConsoleSignIn, _ store: SQLStore, _ session: ConsoleSession, current: String?, new: String, confirmation: String? = nil
    ) async throws -> ConsoleSignIn.NewSession {
        let context = CallContext(
            principal: ConsoleSignIn.principal(of: session), sourceIP: "10.0.0.1", secureTransport: false, requestID: UUID().uuidString,
            regionID: "cn-hangzhou", apiVersion: "console", describeError: { _ in ("E", "e") }
        )
        return try await AccessGateway(store: store, logger: Logger(label: "test")).perform(ConsoleSignIn.changePasswordOperation, context) { call in
            try await signIn.changeOwnPassword(call, session, currentPassword: current, newPassword: new, confirmation: confirmation ?? new)
        }
    }

    @Test func aRequiredResetIsDoneOnceAndEndsOtherSessions() async throws {
        let store = try await Self.store(resetRequired: true)
        let signIn = ConsoleSignIn(store: store, logger: Logger(label: "test"))
        let first = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.1")
        #expect(first.session.passwordChangeRequired)
        let other = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.2")
        await #expect(throws: ConsoleSignIn.SignInFailure.passwordsDiffer) {
            try await Self.change(signIn, store, first.session, current: nil, new: "Alice-new-2", confirmation: "Alice-new-3")
        }
        await #expect(throws: ConsoleSignIn.SignInFailure.passwordRule("The new password must differ from the current one.")) {
            try await Self.change(signIn, store, first.session, current: nil, new: "Alice-pass-1")
        }
        // The first-logon change needs no current password.
        let renewed = try await Self.change(signIn, store, first.session, current: nil, new: "Alice-new-2")
        #expect(!renewed.session.passwordChangeRequired)
        #expect(try await signIn.session(cookieValue: first.cookieValue) == .none)
        #expect(try await signIn.session(cookieValue: other.cookieValue) == .none)
        guard case .live = try await signIn.session(cookieValue: renewed.cookieValue) else { Issue.record("the renewed session is not live"); return }
        await #expect(throws: ConsoleSignIn.SignInFailure.incorrect) {
            try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-pass-1", sourceIP: "10.0.0.1")
        }
        let again = try await signIn.signIn(loginName: "alice@\(Self.account)", password: "Alice-new-2", sourceIP: "10.0.0.1")
        #expect(!again.session.passwordChangeRequired)
        // A later change needs the current password; the change is in the audit trail.
        await #expect(throws: ConsoleSignIn.SignInFailure.currentPasswordWrong) {
            try await Self.change(signIn, store, again.session, current: nil, new: "Alice-new-3")
        }
        await #expect(throws: ConsoleSignIn.SignInFailure.currentPasswordWrong) {
            try await Self.change(signIn, store, again.session, current: "Alice-pass-1", new: "Alice-new-3")
        }
        _ = try await Self.change(signIn, store, again.session, current: "Alice-new-2", new: "Alice-new-3")
        let events = try await store.read { tx in
            try await tx.auditEvents(matching: AuditQuery(accountID: Self.account, start: Date().addingTimeInterval(-60), end: Date().addingTimeInterval(60),
                                                          attributes: [], after: nil, limit: 100, forward: true))
        }.filter { $0.action == "ram:ChangePassword" }
        #expect(events.filter { $0.errorCode == nil }.count == 2)
        #expect(events.filter { $0.errorCode != nil }.count == 4)
        #expect(events.allSatisfy { $0.principalName == "alice" })
    }

    @Test func mixedCaseUserNamesSignInAndTheAccountPartIgnoresCase() async throws {
        let store = try await Self.store()
        try await store.write { tx in
            let now = Date()
            try await tx.insertUser(RAMUser(id: "2000000000000010", name: "Bob.Ops", displayName: "Bob", createdAt: now, updatedAt: now), accountID: Self.account)
            try await tx.insertLoginProfile(
                LoginProfile(userName: "Bob.Ops", passwordHash: PasswordHash.sha512Crypt("Bob-pass-1"), passwordResetRequired: false, mfaBindRequired: false,
                             createdAt: now, updatedAt: now),
                accountID: Self.account
            )
            try await tx.setAccountAlias(accountID: Self.account, alias: "acme")
        }
        let signIn = ConsoleSignIn(store: store, logger: Logger(label: "test"))
        let session = try await signIn.signIn(loginName: "Bob.Ops@ACME", password: "Bob-pass-1", sourceIP: "10.0.0.1").session
        #expect(session.identity == .user(name: "Bob.Ops", id: "2000000000000010"))
        await #expect(throws: ConsoleSignIn.SignInFailure.incorrect) { try await signIn.signIn(loginName: "bob.ops@acme", password: "Bob-pass-1", sourceIP: "10.0.0.1") }
    }

    @Test func failuresCountPerIdentityWhicheverNameIsTyped() async throws {
        let store = try await Self.store()
        try await store.write { tx in try await tx.setAccountAlias(accountID: Self.account, alias: "acme") }
        let signIn = ConsoleSignIn(store: store, logger: Logger(label: "test"))
        let now = Date()
        for name in ["alice@acme", "alice@\(Self.account)", "alice@ACME", "alice@acme", "alice@\(Self.account)"] {
            await #expect(throws: ConsoleSignIn.SignInFailure.incorrect) { try await signIn.signIn(loginName: name, password: "wrong-pass", sourceIP: "10.0.0.1", now: now) }
        }
        do {
            _ = try await signIn.signIn(loginName: "alice@acme", password: "Alice-pass-1", sourceIP: "10.0.0.1", now: now.addingTimeInterval(60))
            Issue.record("the sixth attempt was not throttled")
        } catch ConsoleSignIn.SignInFailure.throttled(let retry) {
            // The window runs from the oldest failure: 60 s of it have passed.
            #expect(abs(retry - (ConsoleSignIn.failureWindow - 60)) < 1)
        }
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
