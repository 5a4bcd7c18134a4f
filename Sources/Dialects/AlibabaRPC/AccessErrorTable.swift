import KeywardCore
import Services

/// Access-control failures in the words of Alibaba's RAM, STS, ResourceManager and ECS.
enum AccessErrorTable {
    /// The products whose errors differ: ECS says `Forbidden.RAM`, Auto Scaling `Forbidden.Unauthorized`, ResourceManager
    /// spells `EntityNotExists`.
    enum Product {
        case ecs, ess, ram, sts, resourceManager, other

        init(version: String) {
            switch version {
            case ECSKeyPairActions.version: self = .ecs
            case ESSActions.legacyVersion, ESSActions.version: self = .ess
            case RAMActions.version: self = .ram
            case STSActions.version: self = .sts
            case ResourceManagerActions.version: self = .resourceManager
            default: self = .other
            }
        }
    }

    static func rpcError(for denial: AccessDenied, product: Product) -> RPCError {
        let principalType = switch denial.principal.identity {
        case .root: "Account"
        case .user: "SubUser"
        case .roleSession: "AssumedRoleUser"
        }
        let detail = JSONValue.object([
            ("AuthAction", .string(denial.action)),
            ("AuthPrincipalType", .string(principalType)),
            ("AuthPrincipalOwnerId", .string(denial.principal.accountID)),
            ("AuthPrincipalDisplayName", .string(denial.principal.displayName)),
            ("NoPermissionType", .string(denial.kind.rawValue)),
            ("PolicyType", .string(denial.policyType)),
        ])
        if product == .ecs {
            return RPCError(
                status: 403, code: "Forbidden.RAM",
                message: "User not authorized to operate on the specified resource, or this API doesn't support RAM.", accessDeniedDetail: detail
            )
        }
        if product == .ess {
            return RPCError(
                status: 403, code: "Forbidden.Unauthorized", message: "A required authorization for the specified action is not supplied.",
                accessDeniedDetail: detail
            )
        }
        let message = denial.policyType == "AssumeRolePolicy"
            ? (denial.principal.isRoot ? "Roles may not be assumed by root accounts." : "You are not authorized to do this action. No permission perform sts:AssumeRole on this Role.")
            : "You are not authorized to do this action. You should be authorized by RAM."
        return RPCError(status: 403, code: "NoPermission", message: message, accessDeniedDetail: detail)
    }

    static func rpcError(for error: AccessError, product: Product) -> RPCError {
        switch error {
        case .invalidChars(let parameter):
            return RPCError(status: 400, code: "InvalidParameter.\(parameter).InvalidChars", message: "The parameter - \"\(parameter)\" contains invalid chars.")
        case .invalidLength(let parameter):
            return RPCError(status: 400, code: "InvalidParameter.\(parameter).Length", message: "The parameter - \"\(parameter)\" beyond the length limit.")
        case .invalidValue(let parameter, let reason):
            return RPCError(status: 400, code: "InvalidParameter.\(parameter)", message: "The parameter - \"\(parameter)\" is invalid. \(reason)")
        case .notFound(let entity, let name):
            let code = (product == .resourceManager ? "EntityNotExists." : "EntityNotExist.") + entity.rawValue
            return RPCError(status: 404, code: code, message: "The \(describe(entity)) does not exist: \(name)")
        case .alreadyExists(let entity, let name):
            return RPCError(status: 409, code: "EntityAlreadyExists.\(entity.rawValue)", message: "The \(describe(entity)) does already EXIST: \(name)")
        case .deleteConflict(let entity):
            return RPCError(status: 409, code: "DeleteConflict.\(entity.rawValue)", message: "The \(describe(entity)) CAN NOT be deleted while it is in use.")
        case .limitExceeded(let entity, let limit):
            return RPCError(status: 409, code: "LimitExceeded.\(entity.rawValue)", message: "The count of \(describe(entity)) beyond the current limits (\(limit)).")
        case .malformedPolicyDocument(let detail):
            return RPCError(status: 400, code: "MalformedPolicyDocument", message: "The policy document is malformed: \(detail)")
        case .policyDocumentTooLong(let limit):
            return RPCError(
                status: product == .resourceManager ? 409 : 400, code: "InvalidParameter.PolicyDocument.Length",
                message: "The parameter - \"PolicyDocument\" beyond the length limit (\(limit))."
            )
        case .systemPolicyImmutable:
            return RPCError(status: 400, code: "InvalidParameter.PolicyType", message: "The parameter - \"PolicyType\" is incorrect: system policies cannot be changed.")
        case .malformedSessionPolicy(let detail):
            return RPCError(status: 400, code: "InvalidParameter.PolicyGrammar", message: "The parameter Policy has not passed grammar check. \(detail)")
        case .sessionPolicyTooLong(let limit):
            return RPCError(status: 400, code: "InvalidParameter.PolicySize", message: "The parameter Policy is longer than \(limit) characters.")
        case .invalidState(let reason):
            return RPCError(status: 409, code: "InvalidStatus.ControlPolicy", message: "The operation is not allowed: \(reason).")
        }
    }

    private static func describe(_ entity: AccessEntity) -> String {
        switch entity {
        case .accessKey: "access key"
        case .loginProfile: "login profile"
        case .policyVersion: "policy version"
        case .defaultPolicyVersion: "default policy version"
        case .userGroup: "user in the group"
        case .userPolicy, .groupPolicy, .rolePolicy: "policy attachment"
        case .groupUser: "group with users"
        case .policyUser, .policyGroup, .policyRole: "attached policy"
        default: entity.rawValue.lowercased()
        }
    }
}
