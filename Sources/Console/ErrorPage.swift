import Dialects
import HTTPTypes
import Services

/// A failure said in words, as a page shows it: denials name the action and the policy effect that decided.
enum Explanation {
    static func of(_ error: any Error, ram: Bool = false) -> String {
        switch error {
        case let denial as AccessDenied:
            let why = denial.kind == .explicitDeny
                ? "an explicit deny in a policy (\(denial.policyType)) refuses it"
                : "no policy allows it (implicit deny, \(denial.policyType))"
            return "You are not allowed to do \(denial.action): \(why). Ask an administrator for permission."
        case let failure as ConsoleSignIn.SignInFailure:
            return failure.description
        case let failure as LoginDiagnosis.Failure:
            return failure.description
        case ConsoleFailure.notFound:
            return "There is no such page or resource."
        case ConsoleFailure.missingField(let label):
            return "\(label) is required."
        default:
            let (code, message) = AlibabaRPCDialect.describeFailure(error, ram: ram)
            return "\(message) (\(code))"
        }
    }

    /// The HTTP status a page reports for a failure.
    static func status(of error: any Error) -> HTTPResponse.Status {
        switch error {
        case is AccessDenied: .forbidden
        case ConsoleFailure.notFound: .notFound
        case let failure as ConsoleSignIn.SignInFailure: failure.httpStatus
        case is LoginDiagnosis.Failure: .internalServerError
        default:
            switch AlibabaRPCDialect.describeFailure(error).code {
            case "InternalError": .internalServerError
            case let code where code.hasSuffix("NotFound") || code.hasPrefix("EntityNotExist"): .notFound
            default: .badRequest
            }
        }
    }
}

/// The page a request ends on when it cannot go on.
extension ConsolePage {
    static let csrfMessage = "The form has expired or did not come from this console (CSRF check failed). Reload the page and try again."

    static func error(status: HTTPResponse.Status, message: String) -> ConsolePage {
        ConsolePage("error", title: status == .forbidden ? "Not Allowed" : "Something Went Wrong", section: "", ["message": .text(message)], status: status)
    }

    static func error(_ error: any Error) -> ConsolePage {
        .error(status: Explanation.status(of: error), message: Explanation.of(error))
    }

    static var sessionStoreFailure: ConsolePage { .error(status: .internalServerError, message: "The console could not read its sessions. Try again.") }
}

extension ConsoleSignIn.SignInFailure {
    /// 401 for a wrong password, 429 while throttled, 400 for a password that breaks the rule.
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .incorrect, .currentPasswordWrong: .unauthorized
        case .throttled: .tooManyRequests
        case .passwordRule, .passwordsDiffer: .badRequest
        case .noAccount: .internalServerError
        }
    }
}
