import Dialects
import Foundation
import HTTPTypes
import Hummingbird
import KeywardCore
import Logging
import NIOCore
import Services

/// The web console at `/console`: server-rendered pages over the same services, access door and audit trail as the API.
public struct ConsoleEndpoint: Sendable {
    static let sessionCookie = "keyward_session"
    static let loginCookie = "keyward_login"
    static let noticeCookie = "keyward_notice"
    /// The region the pages show (a preference, not a secret).
    static let regionCookie = "keyward_region"

    let services: ConsoleServices
    let renderer: ConsoleRenderer
    /// Whether the listener speaks TLS: cookies are then Secure.
    let secure: Bool
    let scans: ImageScans
    let logger: Logger

    public init(services: ConsoleServices, secure: Bool, logger: Logger) throws {
        self.services = services
        self.renderer = try ConsoleRenderer()
        self.secure = secure
        self.scans = ImageScans(logger: logger)
        self.logger = logger
    }

    public func register<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.get("/console") { request, _ in
            let lookup = try? await services.signIn.session(cookieValue: request.cookies[Self.sessionCookie]?.value ?? "")
            if case .live? = lookup { return Self.redirect("/console/keypairs") }
            return Self.redirect("/console/login")
        }
        router.get("/console/static/:file") { _, context in
            guard let name = context.parameters.get("file"), let asset = ConsoleRenderer.assets[name] else { return Response(status: .notFound) }
            var fields = HTTPFields()
            fields[.contentType] = asset.contentType
            fields[.cacheControl] = "no-cache"
            fields[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
            return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
        }
        router.get("/console/region") { request, _ in
            // A preference only: the chosen region (one of the catalog's) for the pages, and back to the page it came from.
            let chosen = request.uri.queryParameters.get("region").flatMap { id in services.regions.regions.first { $0.id == id }?.id }
            let back = request.uri.queryParameters.get("back").flatMap { Self.consolePath(String($0)) } ?? "/console/keypairs"
            var response = Self.redirect(back)
            if let chosen {
                response.setCookie(Cookie(name: Self.regionCookie, value: chosen, maxAge: 31_536_000, path: "/console", secure: secure, httpOnly: true,
                                          sameSite: .strict))
            }
            return response
        }
        let signInPages = SignInPages(endpoint: self)
        signInPages.register(on: router)
        var routes = ConsoleRoutes()
        signInPages.register(&routes)
        KeyPairPages(endpoint: self).register(&routes)
        InstancePages(endpoint: self).register(&routes)
        ImagePages(endpoint: self).register(&routes)
        AccessPages(endpoint: self).register(&routes)
        ActivityPages(endpoint: self).register(&routes)
        routes.install(on: router, endpoint: self)
    }

    // MARK: Serving a signed-in page

    /// Runs `handler` for a request that needs a live session (and, for a POST, the session's CSRF token).
    func serve<Context: RemoteAddressRequestContext>(
        _ request: Request, _ context: Context, method: HTTPRequest.Method, handler: @escaping ConsoleHandler
    ) async -> Response {
        var request = request
        let sourceIP = context.remoteAddress?.ipAddress ?? ""
        let lookup: ConsoleSignIn.SessionLookup
        // A page refreshing its own live state is not the user at work: it does not keep the session alive.
        let isRefresh = request.headers[Self.refreshHeader] == "1"
        do {
            lookup = try await services.signIn.session(cookieValue: request.cookies[Self.sessionCookie]?.value ?? "", touch: !isRefresh)
        } catch {
            logger.error("console session lookup failed", metadata: ["error": "\(error)"])
            return finish(.page(.sessionStoreFailure), notice: nil)
        }
        let session: ConsoleSession
        switch lookup {
        case .live(let live): session = live
        case .expired: return redirect("/console/login?expired=1", clearingSession: true)
        case .none: return Self.redirect("/console/login")
        }
        let path = request.uri.path
        if session.passwordChangeRequired, !["/console/password", "/console/logout"].contains(path) {
            return Self.redirect("/console/password")
        }
        var form = FormFields()
        if method == .post {
            guard let body = try? await request.collectBody(upTo: Self.bodyLimit) else {
                return finish(.page(.error(status: .contentTooLarge, message: "The form is larger than the console accepts (1 MiB).")), notice: nil)
            }
            form = FormFields(urlEncoded: String(decoding: body.readableBytesView, as: UTF8.self))
            let sent = form.raw("csrf") ?? request.headers[HTTPField.Name("X-CSRF-Token")!]
            guard ConsoleSignIn.csrfMatches(sent, session) else {
                return finish(.page(.error(status: .forbidden, message: ConsolePage.csrfMessage)), notice: nil)
            }
        }
        let notice = request.cookies[Self.noticeCookie].flatMap { Self.decodeNotice($0.value) }
        let whoami = (try? await services.signIn.displayName(of: session)) ?? session.userName ?? "root"
        let consoleRequest = ConsoleRequest(
            session: session, whoami: whoami, form: form, query: FormFields(urlEncoded: request.uri.query ?? ""),
            parameters: Dictionary(context.parameters.map { (String($0.key), String($0.value)) }) { first, _ in first }, sourceIP: sourceIP,
            secure: secure, regionID: region(of: request), path: path
        )
        let reply: ConsoleReply
        do {
            reply = try await handler(consoleRequest)
        } catch {
            if Explanation.status(of: error) == .internalServerError {
                logger.error("console page failed", metadata: ["path": "\(path)", "error": "\(error)"])
            }
            reply = .page(.error(error))
        }
        return finish(reply, notice: notice, request: consoleRequest)
    }

    static let bodyLimit = 1 << 20

    /// The region chosen in the header, else the default one.
    func region(of request: Request) -> String {
        let chosen = request.cookies[Self.regionCookie]?.value
        return services.regions.regions.first { $0.id == chosen }?.id ?? services.regions.defaultRegionID
    }

    /// A path inside the console to go back to, or nil (never another site).
    static func consolePath(_ text: String) -> String? {
        guard text.hasPrefix("/console/"), !text.contains("//"), !text.contains("\\"), text.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { return nil }
        return text
    }

    /// Turns a reply into a response with the console's security headers.
    func finish(_ reply: ConsoleReply, notice: String?, request: ConsoleRequest? = nil) -> Response {
        var response: Response
        switch reply {
        case .page(let page):
            var view = page.view.merging([
                "title": .text(page.title), "page_notice": (page.notice ?? notice).view, "navigation": Self.navigation(active: page.section),
            ])
            if let request {
                view = view.merging([
                    "whoami": .text(request.whoami), "csrf": .text(request.session.csrfToken), "signed_in": true, "here": .text(request.path),
                    "regions": .list(services.regions.regions.map {
                        ["id": .text($0.id), "name": .text($0.id), "current": .flag($0.id == request.regionID)]
                    }),
                ])
            }
            let html = renderer.render(page.template, view)
            var fields = HTTPFields()
            fields[.contentType] = "text/html; charset=utf-8"
            response = Response(status: page.status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        case .redirect(let location, let message):
            response = Self.redirect(location)
            if let message { response.setCookie(noticeCookie(message)) }
        case .download(let filename, let contentType, let bytes):
            var fields = HTTPFields()
            fields[.contentType] = contentType
            fields[.contentDisposition] = "attachment; filename=\"\(filename)\""
            response = Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .renewedSession(let location, let cookieValue):
            response = Self.redirect(location)
            response.setCookie(sessionCookie(cookieValue))
        case .signedOut:
            response = redirect("/console/login", clearingSession: true)
        case .json(let status, let bytes):
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            response = Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        if notice != nil, case .page = reply {
            response.setCookie(Cookie(name: Self.noticeCookie, value: "", maxAge: 0, path: "/console", secure: secure, httpOnly: true, sameSite: .strict))
        }
        Self.secureHeaders(&response.headers, tls: secure)
        return response
    }

    /// Sent by the page's script when it refreshes live state.
    static let refreshHeader = HTTPField.Name("X-Keyward-Refresh")!

    static func secureHeaders(_ headers: inout HTTPFields, tls: Bool = false) {
        if tls { headers[HTTPField.Name("Strict-Transport-Security")!] = "max-age=31536000" }
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
    }

    static func redirect(_ location: String) -> Response {
        var fields = HTTPFields()
        fields[.location] = location
        var response = Response(status: .seeOther, headers: fields)
        secureHeaders(&response.headers)
        return response
    }

    /// A redirect that also clears a cookie (the session's, or the login form's), with the flags it was set with.
    func redirect(_ location: String, clearingSession: Bool = false, clearingLogin: Bool = false) -> Response {
        var response = Self.redirect(location)
        for (name, clear) in [(Self.sessionCookie, clearingSession), (Self.loginCookie, clearingLogin)] where clear {
            response.setCookie(Cookie(name: name, value: "", maxAge: 0, path: "/console", secure: secure, httpOnly: true, sameSite: .strict))
        }
        Self.secureHeaders(&response.headers, tls: secure)
        return response
    }

    func sessionCookie(_ value: String) -> Cookie {
        Cookie(name: Self.sessionCookie, value: value, path: "/console", secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// A one-time message for the next page (the page after a redirect), base64url of its words.
    func noticeCookie(_ message: String) -> Cookie {
        Cookie(name: Self.noticeCookie, value: Self.encodeNotice(message), maxAge: 60, path: "/console", secure: secure, httpOnly: true, sameSite: .strict)
    }

    static func encodeNotice(_ message: String) -> String {
        Base64URL.encode(message.prefix(500).utf8)
    }

    static func decodeNotice(_ value: String) -> String? {
        Base64URL.decode(value).flatMap { String(validating: $0, as: UTF8.self) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The navigation, in the vendor consoles' words, with the current section marked.
    static func navigation(active: String) -> View {
        let groups: [(String, [(String, String)])] = [
            ("Elastic Compute Service", [
                ("Key Pairs", "/console/keypairs"), ("Instances", "/console/instances"), ("Images", "/console/images"), ("Auto Scaling", "/console/scaling"),
            ]),
            ("RAM", [
                ("Users", "/console/ram/users"), ("Groups", "/console/ram/groups"), ("Roles", "/console/ram/roles"), ("Policies", "/console/ram/policies"),
                ("AccessKeys", "/console/accesskeys"),
            ]),
            ("ActionTrail", [("ActionTrail", "/console/audit")]),
        ]
        return .list(groups.map { group in
            ["heading": .text(group.0), "links": .list(group.1.map { ["label": .text($0.0), "href": .text($0.1), "current": .flag($0.0 == active)] })]
        })
    }
}
