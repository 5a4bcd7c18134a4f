import Foundation
import Hummingbird
import KeywardCore
import Services

/// Logging on and off, and the password change a login profile may require first.
struct SignInPages: Sendable {
    let endpoint: ConsoleEndpoint

    private var signIn: ConsoleSignIn { endpoint.services.signIn }

    func register<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.get("/console/login") { request, _ in
            let expired = request.uri.queryParameters.get("expired") == "1"
            return loginPage(request, error: nil, notice: expired ? "Your session has expired. Log on again." : nil, username: nil)
        }
        router.post("/console/login") { request, context in
            var request = request
            guard let body = try? await request.collectBody(upTo: ConsoleEndpoint.bodyLimit) else {
                return loginPage(request, error: "The form is too large.", notice: nil, username: nil, status: .contentTooLarge)
            }
            let form = FormFields(urlEncoded: String(decoding: body.readableBytesView, as: UTF8.self))
            let username = form["username"] ?? ""
            // The login form's own CSRF check: a token in a cookie and the form, both made by this page.
            guard let cookie = request.cookies[ConsoleEndpoint.loginCookie]?.value, ConsoleSignIn.tokensMatch(form.raw("csrf"), cookie) else {
                return loginPage(request, error: ConsolePage.csrfMessage, notice: nil, username: username, status: .forbidden)
            }
            do {
                let new = try await signIn.signIn(loginName: username, password: form.raw("password") ?? "", sourceIP: context.remoteAddress?.ipAddress ?? "")
                // A session the browser still held ends: one sign-in, one session.
                if let previous = request.cookies[ConsoleEndpoint.sessionCookie]?.value,
                   case .live(let old)? = try? await signIn.session(cookieValue: previous, touch: false) {
                    try? await signIn.signOut(old)
                }
                var response = endpoint.redirect(new.session.passwordChangeRequired ? "/console/password" : "/console/keypairs", clearingLogin: true)
                response.setCookie(endpoint.sessionCookie(new.cookieValue))
                return response
            } catch let failure as ConsoleSignIn.SignInFailure {
                var response = loginPage(request, error: failure.description, notice: nil, username: username, status: failure.httpStatus)
                if case .throttled(let seconds) = failure { response.headers[.retryAfter] = String(Int(seconds.rounded(.up))) }
                return response
            } catch {
                endpoint.logger.error("console sign-in failed", metadata: ["error": "\(error)"])
                return loginPage(request, error: "The console could not sign you in. Try again.", notice: nil, username: username, status: .internalServerError)
            }
        }
    }

    /// The signed-in parts: log off, change password.
    func register(_ routes: inout ConsoleRoutes) {
        routes.post("logout") { request in
            try await signIn.signOut(request.session)
            return .signedOut
        }
        routes.get("password") { request in .page(passwordPage(request, error: nil)) }
        routes.post("password") { request in
            do {
                let form = request.form
                let renewed = try await endpoint.perform(request, ConsoleSignIn.changePasswordOperation, ram: true) { call in
                    try await signIn.changeOwnPassword(
                        call, request.session, currentPassword: form.raw("current-password"), newPassword: form.raw("new-password") ?? "",
                        confirmation: form.raw("confirm-password") ?? ""
                    )
                }
                return .renewedSession(location: "/console/keypairs", cookieValue: renewed.cookieValue)
            } catch let failure as ConsoleSignIn.SignInFailure {
                return .page(passwordPage(request, error: failure.description))
            }
        }
    }

    private func passwordPage(_ request: ConsoleRequest, error: String?) -> ConsolePage {
        ConsolePage("password", title: "Change Password", section: "", [
            "required": .flag(request.session.passwordChangeRequired), "form_error": error.view,
            "min": .text(String(LoginProfile.passwordLengths.lowerBound)), "max": .text(String(LoginProfile.passwordLengths.upperBound)),
        ], status: error == nil ? .ok : .badRequest)
    }

    private func loginPage(_ request: Request, error: String?, notice: String?, username: String?, status: HTTPResponse.Status = .ok) -> Response {
        let token = request.cookies[ConsoleEndpoint.loginCookie]?.value ?? ConsoleSignIn.newToken()
        let page = ConsolePage("login", title: "Log On", section: "", [
            "form_error": error.view, "login_notice": notice.view, "username": username.value, "login_csrf": .text(token),
        ], status: status)
        var response = endpoint.finish(.page(page), notice: nil)
        response.setCookie(Cookie(name: ConsoleEndpoint.loginCookie, value: token, path: "/console", secure: endpoint.secure, httpOnly: true, sameSite: .strict))
        return response
    }
}
