import Foundation
import KeywardCore
import Services

/// ResourceManager 2020-03-31: the resource directory, its folders and member accounts, and control policies.
public struct ResourceManagerActions: Sendable {
    public static let version = "2020-03-31"

    let directory: DirectoryService

    public init(directory: DirectoryService) {
        self.directory = directory
    }

    public func register(into routes: inout RPCRoutes) {
        let directory = self.directory
        func add(_ action: String, write: Bool, _ body: @escaping @Sendable (RPCCall, AuthorizedCall) async throws -> [(String, JSONValue)]) {
            routes.add(version: Self.version, action: action) { call in
                try await call.perform(DirectoryService.operation(action, write: write)) { try await body(call, $0) }
            }
        }
        for action in ["EnableResourceDirectory", "InitResourceDirectory"] {
            add(action, write: true) { call, auth in
                if action == "EnableResourceDirectory" {
                    let mode = try call.parameters.required("EnableMode")
                    guard mode == "CurrentAccount" else { throw RPCError.invalidParameter("EnableMode", "Only CurrentAccount is supported.") }
                }
                return [("ResourceDirectory", Self.render(try await directory.enable(auth), status: nil))]
            }
        }
        add("GetResourceDirectory", write: false) { _, auth in
            let found = try await directory.get(auth)
            return [("ResourceDirectory", Self.render(found, status: found.controlPoliciesEnabled ? "Enabled" : "Disabled"))]
        }
        add("CreateFolder", write: true) { call, auth in
            let p = call.parameters
            let folder = try await directory.createFolder(auth, name: try p.required("FolderName"), parentID: p.optional("ParentFolderId"))
            return [("Folder", Self.render(folder))]
        }
        add("GetFolder", write: false) { call, auth in
            [("Folder", Self.render(try await directory.folder(auth, id: try call.parameters.required("FolderId"))))]
        }
        add("ListFoldersForParent", write: false) { call, auth in
            let p = call.parameters
            let folders = try await directory.folders(auth, parentID: p.optional("ParentFolderId"))
            return try Self.paged(p, folders.map(Self.render), outer: "Folders", inner: "Folder")
        }
        add("CreateResourceAccount", write: true) { call, auth in
            let p = call.parameters
            let member = try await directory.createAccount(auth, displayName: try p.required("DisplayName"), folderID: p.optional("ParentFolderId"))
            let directoryID = try await directory.get(auth).id
            return [("Account", Self.render(member, directoryID: directoryID, path: nil, name: true))]
        }
        add("GetAccount", write: false) { call, auth in
            let member = try await directory.account(auth, id: try call.parameters.required("AccountId"))
            let path = try await directory.path(auth, of: member)
            return [("Account", Self.render(member, directoryID: try await directory.get(auth).id, path: path, name: true))]
        }
        add("ListAccounts", write: false) { call, auth in
            let members = try await directory.accounts(auth)
            let directoryID = try await directory.get(auth).id
            var items: [JSONValue] = []
            for member in members {
                items.append(Self.render(member, directoryID: directoryID, path: try await directory.path(auth, of: member), name: false))
            }
            return try Self.paged(call.parameters, items, outer: "Accounts", inner: "Account")
        }
        add("EnableControlPolicy", write: true) { _, auth in
            try await directory.setControlPolicies(auth, enabled: true)
            return [("EnablementStatus", .string("Enabled"))]
        }
        add("DisableControlPolicy", write: true) { _, auth in
            try await directory.setControlPolicies(auth, enabled: false)
            return [("EnablementStatus", .string("Disabled"))]
        }
        add("GetControlPolicyEnablementStatus", write: false) { _, auth in
            [("EnablementStatus", .string(try await directory.controlPoliciesEnabled(auth) ? "Enabled" : "Disabled"))]
        }
        add("CreateControlPolicy", write: true) { call, auth in
            let p = call.parameters
            let policy = try await directory.createControlPolicy(
                auth, name: try p.required("PolicyName"), document: try p.required("PolicyDocument"), description: p.optional("Description"),
                effectScope: try p.required("EffectScope")
            )
            return [("ControlPolicy", Self.render(policy, document: false))]
        }
        add("GetControlPolicy", write: false) { call, auth in
            [("ControlPolicy", Self.render(try await directory.controlPolicy(auth, id: try call.parameters.required("PolicyId")), document: true))]
        }
        add("UpdateControlPolicy", write: true) { call, auth in
            let p = call.parameters
            let policy = try await directory.updateControlPolicy(
                auth, id: try p.required("PolicyId"), newName: p.optional("NewPolicyName"), newDocument: p.optional("NewPolicyDocument"),
                newDescription: p.optional("NewDescription")
            )
            return [("ControlPolicy", Self.render(policy, document: true))]
        }
        add("DeleteControlPolicy", write: true) { call, auth in
            try await directory.deleteControlPolicy(auth, id: try call.parameters.required("PolicyId"))
            return []
        }
        add("ListControlPolicies", write: false) { call, auth in
            let p = call.parameters
            let origin: PolicyOrigin? = try p.optional("PolicyType").map { text in
                guard let origin = PolicyOrigin(rawValue: text) else { throw RPCError.invalidParameter("PolicyType") }
                return origin
            }
            let policies = try await directory.controlPolicies(auth, origin: origin)
            return try Self.paged(p, policies.map { Self.render($0, document: false) }, outer: "ControlPolicies", inner: "ControlPolicy")
        }
        add("AttachControlPolicy", write: true) { call, auth in
            let p = call.parameters
            try await directory.attach(auth, policyID: try p.required("PolicyId"), targetID: try p.required("TargetId"))
            return []
        }
        add("DetachControlPolicy", write: true) { call, auth in
            let p = call.parameters
            try await directory.detach(auth, policyID: try p.required("PolicyId"), targetID: try p.required("TargetId"))
            return []
        }
        add("ListControlPolicyAttachmentsForTarget", write: false) { call, auth in
            let attached = try await directory.attachments(auth, targetID: try call.parameters.required("TargetId"))
            let items: [JSONValue] = attached.map { policy, date in
                .object([
                    ("PolicyId", .string(policy.id)), ("PolicyName", .string(policy.name)), ("PolicyType", .string(policy.origin.rawValue)),
                    ("Description", .string(policy.description)), ("EffectScope", .string(policy.effectScope)), ("AttachDate", .string(RAMActions.time(date))),
                ])
            }
            return [("ControlPolicyAttachments", .object([("ControlPolicyAttachment", .array(items))]))]
        }
    }

    // MARK: Encoding

    static func paged(_ p: RPCParameters, _ items: [JSONValue], outer: String, inner: String) throws -> [(String, JSONValue)] {
        let number = try p.int("PageNumber", default: 1, range: 1...1_000_000)
        let size = try p.int("PageSize", default: 10, range: 1...100)
        let page = Array(items.dropFirst((number - 1) * size).prefix(size))
        return [("PageNumber", .int(number)), ("PageSize", .int(size)), ("TotalCount", .int(items.count)), (outer, .object([(inner, .array(page))]))]
    }

    static func render(_ directory: ResourceDirectory, status: String?) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("ResourceDirectoryId", .string(directory.id)), ("RootFolderId", .string(directory.rootFolderID)),
            ("MasterAccountId", .string(directory.managementAccountID)), ("MasterAccountName", .string(directory.managementAccountID)),
            ("CreateTime", .string(RAMActions.time(directory.createdAt))),
        ]
        if let status { members += [("ControlPolicyStatus", .string(status)), ("MemberDeletionStatus", .string("Disabled"))] }
        return .object(members)
    }

    static func render(_ folder: DirectoryFolder) -> JSONValue {
        .object([
            ("FolderId", .string(folder.id)), ("FolderName", .string(folder.name)), ("ParentFolderId", .string(folder.parentID ?? "")),
            ("CreateTime", .string(RAMActions.time(folder.createdAt))),
        ])
    }

    static func render(_ member: MemberAccount, directoryID: String, path: String?, name: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("AccountId", .string(member.id)), ("DisplayName", .string(member.displayName)), ("FolderId", .string(member.folderID)),
            ("JoinMethod", .string(member.joinMethod)), ("JoinTime", .string(RAMActions.time(member.joinedAt))),
            ("ModifyTime", .string(RAMActions.time(member.joinedAt))), ("ResourceDirectoryId", .string(directoryID)),
            ("Status", .string(name ? "CreateSuccess" : "CreateSuccess")), ("Type", .string(member.type)),
        ]
        if name { members.append(("AccountName", .string("\(member.id)@resource.keyward"))) }
        if let path { members.append(("ResourceDirectoryPath", .string(path))) }
        return .object(members)
    }

    static func render(_ policy: ControlPolicy, document: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("PolicyId", .string(policy.id)), ("PolicyName", .string(policy.name)), ("PolicyType", .string(policy.origin.rawValue)),
            ("Description", .string(policy.description)), ("EffectScope", .string(policy.effectScope)),
            // The SDK's model types AttachmentCount as a string.
            ("AttachmentCount", .string(String(policy.attachmentCount))),
            ("CreateDate", .string(RAMActions.time(policy.createdAt))), ("UpdateDate", .string(RAMActions.time(policy.updatedAt))),
        ]
        if document { members.append(("PolicyDocument", .string(policy.document))) }
        return .object(members)
    }
}
