import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Server
import Testing

/// The console over HTTP, wired as `keyward serve` wires it: sign-in, cookies, CSRF, security headers, the private key
/// download, and refusals in words for a user whose policy does not allow the action.
@Suite struct ConsoleEndpointTests {
    static let rootPassword = "Root-console-1"

    static func application() async throws -> some ApplicationProtocol {
        var configuration = ServerConfiguration(dataDirectory: nil, rootAccessKey: ("AKTEST", "s3cret"), driver: .simulated, metadataListen: "off")
        configuration.rootPassword = rootPassword
        return try await KeywardServer.build(configuration: configuration, logger: Logger(label: "test"))
    }

    /// A browser's cookie jar, as far as these tests need one.
    struct Jar {
        var cookies: [String: String] = [:]

        mutating func take(_ response: TestResponse) {
            for field in response.headers[values: .setCookie] {
                let pair = field.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { continue }
                if pair[1].isEmpty { cookies[pair[0]] = nil } else { cookies[pair[0]] = pair[1] }
            }
        }

        var header: HTTPFields {
            var fields = HTTPFields()
            if !cookies.isEmpty { fields[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
            return fields
        }
    }

    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return ByteBuffer(string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&"))
    }

    static func formHeaders(_ jar: Jar) -> HTTPFields {
        var fields = jar.header
        fields[.contentType] = "application/x-www-form-urlencoded"
        return fields
    }

    /// The value of the first `name="csrf"` field of a page.
    static func csrf(in html: String) throws -> String {
        let marker = "name=\"csrf\" value=\""
        let start = try #require(html.range(of: marker)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    /// Logs on as `username` and returns the jar with the session cookie.
    static func logOn(_ client: some TestClientProtocol, _ username: String, _ password: String) async throws -> Jar {
        var jar = Jar()
        let page = try await client.execute(uri: "/console/login", method: .get)
        jar.take(page)
        let token = try csrf(in: String(buffer: page.body))
        let response = try await client.execute(
            uri: "/console/login", method: .post, headers: formHeaders(jar), body: form([("csrf", token), ("username", username), ("password", password)])
        )
        #expect(response.status == .seeOther)
        jar.take(response)
        return jar
    }

    @Test func signInSetsAStrictHttpOnlyCookieAndPagesNeedIt() async throws {
        let app = try await Self.application()
        try await app.test(.router) { client in
            let anonymous = try await client.execute(uri: "/console/keypairs", method: .get)
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/console/login")

            var jar = Jar()
            let page = try await client.execute(uri: "/console/login", method: .get)
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(page.headers[.cacheControl] == "no-store")
            jar.take(page)
            let token = try Self.csrf(in: String(buffer: page.body))

            // The login form's token must come back with its cookie.
            let forged = try await client.execute(uri: "/console/login", method: .post, headers: Self.formHeaders(Jar()),
                                                  body: Self.form([("csrf", token), ("username", "root"), ("password", Self.rootPassword)]))
            #expect(forged.status == .forbidden)
            #expect(forged.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("keyward_session=") })

            let wrong = try await client.execute(uri: "/console/login", method: .post, headers: Self.formHeaders(jar),
                                                 body: Self.form([("csrf", token), ("username", "root"), ("password", "not-the-password")]))
            #expect(wrong.status == .unauthorized)
            #expect(String(buffer: wrong.body).contains("The username or password is incorrect."))

            let right = try await client.execute(uri: "/console/login", method: .post, headers: Self.formHeaders(jar),
                                                 body: Self.form([("csrf", token), ("username", "root"), ("password", Self.rootPassword)]))
            #expect(right.status == .seeOther)
            #expect(right.headers[.location] == "/console/keypairs")
            let cookie = try #require(right.headers[values: .setCookie].first { $0.hasPrefix("keyward_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/console"))
            #expect(!cookie.contains("Secure"))  // plain HTTP here; Secure under TLS
            jar.take(right)
            let list = try await client.execute(uri: "/console/keypairs", method: .get, headers: jar.header)
            #expect(list.status == .ok)
            #expect(String(buffer: list.body).contains("<span id=\"whoami\" title=\"Signed in as\">root</span>"))
        }
    }

    @Test func aPostWithoutTheSessionsTokenChangesNothing() async throws {
        let app = try await Self.application()
        try await app.test(.router) { client in
            let jar = try await Self.logOn(client, "root", Self.rootPassword)
            let refused = try await client.execute(uri: "/console/keypairs/create", method: .post, headers: Self.formHeaders(jar),
                                                   body: Self.form([("csrf", "forged"), ("keypair-name", "csrf-victim")]))
            #expect(refused.status == .forbidden)
            #expect(String(buffer: refused.body).contains("CSRF check failed"))
            let list = try await client.execute(uri: "/console/keypairs", method: .get, headers: jar.header)
            #expect(!String(buffer: list.body).contains("csrf-victim"))

            let page = try await client.execute(uri: "/console/keypairs/create", method: .get, headers: jar.header)
            let token = try Self.csrf(in: String(buffer: page.body))
            let created = try await client.execute(uri: "/console/keypairs/create", method: .post, headers: Self.formHeaders(jar),
                                                   body: Self.form([("csrf", token), ("keypair-name", "web-1"), ("key-type", "ed25519")]))
            #expect(created.status == .ok)
            #expect(created.headers[.contentDisposition] == "attachment; filename=\"web-1.pem\"")
            #expect(created.headers[.cacheControl] == "no-store")
            #expect(String(buffer: created.body).hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----"))
            let after = try await client.execute(uri: "/console/keypairs", method: .get, headers: jar.header)
            #expect(String(buffer: after.body).contains("data-keypair=\"web-1\""))
        }
    }

    @Test func aReadOnlyUserSeesKeyPairsAndIsToldWhyItCannotCreateOne() async throws {
        let app = try await Self.application()
        try await app.test(.router) { client in
            var root = try await Self.logOn(client, "root", Self.rootPassword)
            // Root makes the user, its console password and its permission, through the console itself.
            func post(_ path: String, _ fields: [(String, String)], from page: String) async throws -> TestResponse {
                let shown = try await client.execute(uri: page, method: .get, headers: root.header)
                let token = try Self.csrf(in: String(buffer: shown.body))
                let response = try await client.execute(uri: path, method: .post, headers: Self.formHeaders(root), body: Self.form([("csrf", token)] + fields))
                root.take(response)
                return response
            }
            #expect(try await post("/console/ram/users/create", [("user-name", "viewer")], from: "/console/ram/users/create").status == .seeOther)
            #expect(try await post("/console/ram/users/viewer/login-profile", [("console-password", "Viewer-pass-1")], from: "/console/ram/users/viewer").status
                    == .seeOther)
            #expect(try await post("/console/ram/users/viewer/policies", [("policy", "System:AliyunECSReadOnlyAccess")], from: "/console/ram/users/viewer").status
                    == .seeOther)
            let user = try await client.execute(uri: "/console/ram/users/viewer", method: .get, headers: root.header)
            #expect(String(buffer: user.body).contains("AliyunECSReadOnlyAccess"))

            let viewer = try await Self.logOn(client, "viewer@1000000000000001", "Viewer-pass-1")
            let list = try await client.execute(uri: "/console/keypairs", method: .get, headers: viewer.header)
            #expect(list.status == .ok)
            #expect(String(buffer: list.body).contains("<span id=\"whoami\" title=\"Signed in as\">viewer@1000000000000001</span>"))
            let page = try await client.execute(uri: "/console/keypairs/create", method: .get, headers: viewer.header)
            let token = try Self.csrf(in: String(buffer: page.body))
            let refused = try await client.execute(uri: "/console/keypairs/create", method: .post, headers: Self.formHeaders(viewer),
                                                   body: Self.form([("csrf", token), ("keypair-name", "not-allowed")]))
            #expect(refused.status == .forbidden)
            #expect(String(buffer: refused.body).contains("You are not allowed to do ecs:CreateKeyPair: no policy allows it"))
            // RAM pages are refused the same way: the policy reads ECS only.
            let users = try await client.execute(uri: "/console/ram/users", method: .get, headers: viewer.header)
            #expect(users.status == .forbidden)
            #expect(String(buffer: users.body).contains("ram:ListUsers"))
        }
    }

    @Test func logOutEndsTheSessionOnTheServer() async throws {
        let app = try await Self.application()
        try await app.test(.router) { client in
            let jar = try await Self.logOn(client, "root", Self.rootPassword)
            let page = try await client.execute(uri: "/console/keypairs", method: .get, headers: jar.header)
            let token = try Self.csrf(in: String(buffer: page.body))
            let out = try await client.execute(uri: "/console/logout", method: .post, headers: Self.formHeaders(jar), body: Self.form([("csrf", token)]))
            #expect(out.headers[.location] == "/console/login")
            // The old cookie, replayed, opens nothing.
            let replay = try await client.execute(uri: "/console/keypairs", method: .get, headers: jar.header)
            #expect(replay.status == .seeOther)
            #expect(replay.headers[.location] == "/console/login")
        }
    }
}
