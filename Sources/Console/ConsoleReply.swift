import HTTPTypes

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

extension ConsoleReply {
    /// The page with the status the failure it shows calls for (403 for a refusal, 404 for a missing resource, …).
    func failing(_ error: any Error) -> ConsoleReply {
        guard case .page(let page) = self else { return self }
        return .page(page.withStatus(Explanation.status(of: error)))
    }
}
