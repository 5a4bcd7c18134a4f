import Dialects
import Foundation
import HTTPTypes
import Hummingbird
import KeywardCore
import Logging
import NIOCore
import Services

/// The services the console acts through. Every use case is reached through `gateway`, as the API reaches it.
public struct ConsoleServices: Sendable {
    public let signIn: ConsoleSignIn
    public let gateway: AccessGateway
    public let keyPairs: KeyPairService
    public let instances: InstanceService
    public let images: ImageService
    public let ram: RAMService
    public let audit: AuditService
    public let scaling: AutoScalingService
    public let regions: RegionCatalog

    public init(
        signIn: ConsoleSignIn, gateway: AccessGateway, keyPairs: KeyPairService, instances: InstanceService, images: ImageService, ram: RAMService,
        audit: AuditService, scaling: AutoScalingService, regions: RegionCatalog
    ) {
        self.signIn = signIn
        self.gateway = gateway
        self.keyPairs = keyPairs
        self.instances = instances
        self.images = images
        self.ram = ram
        self.audit = audit
        self.scaling = scaling
        self.regions = regions
    }
}

/// The web console at `/console`: server-rendered pages over the same services, access door and audit trail as the API.
public struct ConsoleEndpoint: Sendable {
    static let sessionCookie = "keyward_session"
    static let loginCookie = "keyward_login"
    static let noticeCookie = "keyward_notice"

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
        self.scans = ImageScans(images: services.images, logger: logger)
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
        let signInPages = SignInPages(endpoint: self)
        signInPages.register(on: router)
        let routes = ConsoleRoutes(endpoint: self)
        signInPages.register(routes)
        KeyPairPages(endpoint: self).register(routes)
        InstancePages(endpoint: self).register(routes)
        ImagePages(endpoint: self).register(routes)
        AccessPages(endpoint: self).register(routes)
        ActivityPages(endpoint: self).register(routes)
        routes.install(on: router)
    }

    // MARK: Serving a signed-in page

    /// Runs `handler` for a request that needs a live session (and, for a POST, the session's CSRF token).
    func serve<Context: RemoteAddressRequestContext>(
        _ request: Request, _ context: Context, method: HTTPRequest.Method, handler: @escaping ConsoleHandler
    ) async -> Response {
        var request = request
        let sourceIP = context.remoteAddress?.ipAddress ?? ""
        let lookup: ConsoleSignIn.SessionLookup
        do {
            lookup = try await services.signIn.session(cookieValue: request.cookies[Self.sessionCookie]?.value ?? "")
        } catch {
            logger.error("console session lookup failed", metadata: ["error": "\(error)"])
            return finish(.page(.sessionStoreFailure), notice: nil)
        }
        let session: ConsoleSession
        switch lookup {
        case .live(let live): session = live
        case .expired: return Self.redirect("/console/login?expired=1", clearing: Self.sessionCookie)
        case .none: return Self.redirect("/console/login")
        }
        let path = request.uri.path
        if session.passwordChangeRequired, path != "/console/password" {
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
        let whoami = (try? await services.signIn.displayName(of: session)) ?? "root"
        let consoleRequest = ConsoleRequest(
            session: session, whoami: whoami, form: form, query: FormFields(urlEncoded: request.uri.query ?? ""),
            parameters: Dictionary(context.parameters.map { (String($0.key), String($0.value)) }) { first, _ in first }, sourceIP: sourceIP,
            secure: secure, regionID: services.regions.defaultRegionID, path: path, gateway: services.gateway
        )
        let reply: ConsoleReply
        do {
            reply = try await handler(consoleRequest)
        } catch {
            reply = .page(.error(error))
        }
        return finish(reply, notice: notice, request: consoleRequest)
    }

    static let bodyLimit = 1 << 20

    /// Turns a reply into a response with the console's security headers.
    func finish(_ reply: ConsoleReply, notice: String?, request: ConsoleRequest? = nil) -> Response {
        var response: Response
        switch reply {
        case .page(let page):
            var view = page.view.merging([
                "title": .text(page.title), "page_notice": (page.notice ?? notice).view, "navigation": Self.navigation(active: page.section),
            ])
            if let request {
                view = view.merging(["whoami": .text(request.whoami), "csrf": .text(request.session.csrfToken), "signed_in": true])
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
            response = Self.redirect("/console/login", clearing: Self.sessionCookie)
        case .json(let status, let bytes):
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            response = Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        if notice != nil, case .page = reply {
            response.setCookie(Cookie(name: Self.noticeCookie, value: "", maxAge: 0, path: "/console", secure: secure, httpOnly: true, sameSite: .strict))
        }
        Self.secureHeaders(&response.headers)
        return response
    }

    static func secureHeaders(_ headers: inout HTTPFields) {
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
    }

    static func redirect(_ location: String, clearing cookie: String? = nil) -> Response {
        var fields = HTTPFields()
        fields[.location] = location
        var response = Response(status: .seeOther, headers: fields)
        if let cookie { response.setCookie(Cookie(name: cookie, value: "", maxAge: 0, path: "/console", httpOnly: true, sameSite: .strict)) }
        secureHeaders(&response.headers)
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
        Data(message.prefix(500).utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeNotice(_ value: String) -> String? {
        var text = value.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text).flatMap { String(data: $0, encoding: .utf8) }.flatMap { $0.isEmpty ? nil : $0 }
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

/// A console handler's answer.
enum ConsoleReply: Sendable {
    case page(ConsolePage)
    /// 303 to `location`, with a notice for the page there.
    case redirect(String, notice: String? = nil)
    case download(filename: String, contentType: String, bytes: [UInt8])
    case json(HTTPResponse.Status, [UInt8])
    /// 303 to `location` with a new session cookie (after a password change).
    case renewedSession(location: String, cookieValue: String)
    /// 303 to the login page, the session cookie cleared.
    case signedOut
}

/// A page to render: its template, heading, the navigation section it belongs to, and its data.
struct ConsolePage: Sendable {
    var template: String
    var title: String
    var section: String
    var view: View
    var status: HTTPResponse.Status = .ok
    var notice: String?

    init(_ template: String, title: String, section: String, _ view: View = [:], status: HTTPResponse.Status = .ok, notice: String? = nil) {
        self.template = template
        self.title = title
        self.section = section
        self.view = view
        self.status = status
        self.notice = notice
    }
}

extension ConsolePage {
    func withStatus(_ status: HTTPResponse.Status) -> ConsolePage {
        var page = self
        page.status = status
        return page
    }
}

typealias ConsoleHandler = @Sendable (ConsoleRequest) async throws -> ConsoleReply

/// One signed-in request as a page handler sees it.
struct ConsoleRequest: Sendable {
    let session: ConsoleSession
    let whoami: String
    let form: FormFields
    let query: FormFields
    let parameters: [String: String]
    let sourceIP: String
    let secure: Bool
    let regionID: String
    let path: String
    let gateway: AccessGateway

    /// The call context the access door and the audit trail see: the session's identity, from the browser's address.
    func callContext(ram: Bool = false) -> CallContext {
        CallContext(
            principal: ConsoleSignIn.principal(of: session), sourceIP: sourceIP, secureTransport: secure, requestID: UUID().uuidString,
            regionID: regionID, apiVersion: "console", describeError: { AlibabaRPCDialect.describeFailure($0, ram: ram) }
        )
    }

    /// Passes the access door as this request's identity (for work that outlives the page, such as a scan).
    func gatewayPerform<T: Sendable>(_ operation: Services.Operation, _ body: @Sendable (AuthorizedCall) async throws -> T) async throws -> T {
        try await gateway.perform(operation, callContext(), body)
    }

    func parameter(_ name: String) throws -> String {
        guard let value = parameters[name], !value.isEmpty else { throw ConsoleFailure.notFound }
        return value.removingPercentEncoding ?? value
    }
}

/// A failure of the console itself (not of a use case).
enum ConsoleFailure: Error {
    case notFound
    case missingField(String)
}

/// Collects the signed-in routes and installs them with the session and CSRF checks.
final class ConsoleRoutes: @unchecked Sendable {
    private let endpoint: ConsoleEndpoint
    private var routes: [(HTTPRequest.Method, String, ConsoleHandler)] = []

    init(endpoint: ConsoleEndpoint) {
        self.endpoint = endpoint
    }

    func get(_ path: String, _ handler: @escaping ConsoleHandler) { routes.append((.get, path, handler)) }
    func post(_ path: String, _ handler: @escaping ConsoleHandler) { routes.append((.post, path, handler)) }

    func install<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        let endpoint = self.endpoint
        for (method, path, handler) in routes {
            router.on(RouterPath("/console/" + path), method: method) { request, context in
                await endpoint.serve(request, context, method: method, handler: handler)
            }
        }
    }
}
