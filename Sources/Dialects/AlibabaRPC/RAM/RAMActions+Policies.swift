import Foundation
import KeywardCore
import Services

/// RAM's policy actions: custom policies, versions, the system catalog, and attachments.
extension RAMActions {
    var policyHandlers: [(String, RPCHandler)] {
        let ram = self.ram
        let policy: @Sendable (RPCParameters) throws -> String? = { "policy/" + (try $0.required("PolicyName")) }
        var handlers: [(String, RPCHandler)] = [
            Self.gated("CreatePolicy", write: true, resource: policy) { call, auth in
                let p = call.parameters
                let created = try await ram.createPolicy(
                    auth, name: try p.required("PolicyName"), document: try p.required("PolicyDocument"), description: p.optional("Description")
                )
                return [("Policy", .object([
                    ("PolicyName", .string(created.name)), ("PolicyType", .string(created.origin.rawValue)), ("Description", .string(created.description)),
                    ("DefaultVersion", .string(created.defaultVersion)), ("CreateDate", .string(Self.time(created.createdAt))),
                ]))]
            },
            Self.gated("GetPolicy", write: false, resource: policy) { call, auth in
                let p = call.parameters
                let found = try await ram.getPolicy(auth, name: try p.required("PolicyName"), origin: try Self.origin(p))
                guard case .object(var members) = Self.render(found.policy) else { return [] }
                members.append(("PolicyDocument", .string(found.defaultVersion.document)))
                return [("Policy", .object(members)), ("DefaultPolicyVersion", Self.render(found.defaultVersion))]
            },
            Self.gated("ListPolicies", write: false, resource: { _ in "policy/*" }) { call, auth in
                let p = call.parameters
                let (marker, max) = try Self.paging(p)
                let origin = try p.optional("PolicyType").map { _ in try Self.origin(p) }
                return Self.listing(try await ram.listPolicies(auth, origin: origin, marker: marker, maxItems: max), outer: "Policies", inner: "Policy", Self.render)
            },
            Self.gated("DeletePolicy", write: true, resource: policy) { call, auth in
                let p = call.parameters
                try await ram.deletePolicy(auth, name: try p.required("PolicyName"), cascading: try p.bool("CascadingDelete", default: false))
                return []
            },
            Self.gated("CreatePolicyVersion", write: true, resource: policy) { call, auth in
                let p = call.parameters
                guard let rotate = RAMService.RotateStrategy(rawValue: p.optional("RotateStrategy") ?? "None") else {
                    throw RPCError.invalidParameter("RotateStrategy", "None or DeleteOldestNonDefaultVersionWhenLimitExceeded.")
                }
                let version = try await ram.createPolicyVersion(
                    auth, name: try p.required("PolicyName"), document: try p.required("PolicyDocument"), setAsDefault: try p.bool("SetAsDefault", default: false),
                    rotate: rotate
                )
                return [("PolicyVersion", Self.render(version))]
            },
            Self.gated("GetPolicyVersion", write: false, resource: policy) { call, auth in
                let p = call.parameters
                let version = try await ram.policyVersion(auth, name: try p.required("PolicyName"), origin: try Self.origin(p), versionID: try p.required("VersionId"))
                return [("PolicyVersion", Self.render(version))]
            },
            Self.gated("ListPolicyVersions", write: false, resource: policy) { call, auth in
                let p = call.parameters
                let versions = try await ram.policyVersions(auth, name: try p.required("PolicyName"), origin: try Self.origin(p))
                return [("PolicyVersions", .object([("PolicyVersion", .array(versions.map(Self.render)))]))]
            },
            Self.gated("DeletePolicyVersion", write: true, resource: policy) { call, auth in
                let p = call.parameters
                try await ram.deletePolicyVersion(auth, name: try p.required("PolicyName"), versionID: try p.required("VersionId"))
                return []
            },
            Self.gated("SetDefaultPolicyVersion", write: true, resource: policy) { call, auth in
                let p = call.parameters
                try await ram.setDefaultPolicyVersion(auth, name: try p.required("PolicyName"), versionID: try p.required("VersionId"))
                return []
            },
            Self.gated("ListEntitiesForPolicy", write: false, resource: policy) { call, auth in
                let p = call.parameters
                let found = try await ram.entities(auth, forPolicy: try p.required("PolicyName"), origin: try Self.origin(p))
                let users: [JSONValue] = found.users.map { user, date in
                    .object([("UserId", .string(user.id)), ("UserName", .string(user.name)), ("DisplayName", .string(user.displayName)), ("AttachDate", .string(Self.time(date)))])
                }
                let groups: [JSONValue] = found.groups.map { group, date in
                    .object([("GroupName", .string(group.name)), ("Comments", .string(group.comments)), ("AttachDate", .string(Self.time(date)))])
                }
                let roles: [JSONValue] = found.roles.map { role, date in
                    .object([
                        ("RoleId", .string(role.id)), ("RoleName", .string(role.name)), ("Arn", .string(role.arn)), ("Description", .string(role.description)),
                        ("AttachDate", .string(Self.time(date))),
                    ])
                }
                return [
                    ("Users", .object([("User", .array(users))])), ("Groups", .object([("Group", .array(groups))])),
                    ("Roles", .object([("Role", .array(roles))])),
                ]
            },
        ]
        for (kind, parameter) in [("User", "UserName"), ("Group", "GroupName"), ("Role", "RoleName")] {
            let target: @Sendable (RPCParameters) throws -> PolicyTarget = { p in
                let name = try p.required(parameter)
                switch kind {
                case "User": return .user(name)
                case "Group": return .group(name)
                default: return .role(name)
                }
            }
            let resource: @Sendable (RPCParameters) throws -> String? = { "\(kind.lowercased())/" + (try $0.required(parameter)) }
            // Attaching and detaching change what the policy grants, so both the target and the policy must be allowed.
            let both: @Sendable (RPCCall) throws -> [String] = { call in
                ["\(kind.lowercased())/" + (try call.parameters.required(parameter)), "policy/" + (try call.parameters.required("PolicyName"))]
            }
            handlers.append(Self.gated("AttachPolicyTo\(kind)", write: true, resources: both) { call, auth in
                let p = call.parameters
                try await ram.attachPolicy(auth, name: try p.required("PolicyName"), origin: try Self.origin(p), to: try target(p))
                return []
            })
            handlers.append(Self.gated("DetachPolicyFrom\(kind)", write: true, resources: both) { call, auth in
                let p = call.parameters
                try await ram.detachPolicy(auth, name: try p.required("PolicyName"), origin: try Self.origin(p), from: try target(p))
                return []
            })
            handlers.append(Self.gated("ListPoliciesFor\(kind)", write: false, resource: resource) { call, auth in
                let attached = try await ram.policies(auth, attachedTo: try target(call.parameters))
                let items: [JSONValue] = attached.map { policy, date in
                    .object([
                        ("PolicyName", .string(policy.name)), ("PolicyType", .string(policy.origin.rawValue)), ("Description", .string(policy.description)),
                        ("DefaultVersion", .string(policy.defaultVersion)), ("AttachDate", .string(Self.time(date))),
                    ])
                }
                return [("Policies", .object([("Policy", .array(items))]))]
            })
        }
        return handlers
    }

    static func origin(_ p: RPCParameters) throws -> PolicyOrigin {
        guard let origin = PolicyOrigin(rawValue: try p.required("PolicyType")) else {
            throw RPCError(status: 400, code: "InvalidParameter.PolicyType", message: "The parameter - \"PolicyType\" is incorrect.")
        }
        return origin
    }

    static func render(_ policy: ManagedPolicy) -> JSONValue {
        .object([
            ("PolicyName", .string(policy.name)), ("PolicyType", .string(policy.origin.rawValue)), ("Description", .string(policy.description)),
            ("DefaultVersion", .string(policy.defaultVersion)), ("AttachmentCount", .int(policy.attachmentCount)),
            ("CreateDate", .string(time(policy.createdAt))), ("UpdateDate", .string(time(policy.updatedAt))),
        ])
    }

    static func render(_ version: PolicyVersion) -> JSONValue {
        .object([
            ("VersionId", .string(version.id)), ("IsDefaultVersion", .bool(version.isDefault)), ("PolicyDocument", .string(version.document)),
            ("CreateDate", .string(time(version.createdAt))),
        ])
    }
}
