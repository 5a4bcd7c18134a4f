import Foundation
import KeywardCore
import Services

/// RAM: users (console password, permissions, AccessKeys), groups, roles, policies with a validating editor, and the
/// signed-in identity's own AccessKeys. Each action passes the door as its RAM API action.
struct AccessPages: Sendable {
    let endpoint: ConsoleEndpoint

    private var ram: RAMService { endpoint.services.ram }

    func register(_ routes: inout ConsoleRoutes) {
        routes.get("ram/users") { try await users($0) }
        routes.get("ram/users/create") { .page(createUserPage($0, error: nil)) }
        routes.post("ram/users/create") { try await createUser($0) }
        routes.get("ram/users/:name") { try await user($0, secret: nil) }
        routes.post("ram/users/:name/login-profile") { try await setLoginProfile($0) }
        routes.post("ram/users/:name/login-profile/delete") { request in
            let name = try request.parameter("name")
            return try await act(request, "DeleteLoginProfile", ["user/\(name)"], back: userPath(name), done: "Console password of \(name) removed.") {
                try await ram.deleteLoginProfile($0, userName: name)
            }
        }
        routes.post("ram/users/:name/policies") { request in
            let name = try request.parameter("name")
            guard let (policy, origin) = Self.policyChoice(request.form["policy"]) else { return .redirect(userPath(name), notice: "Choose a policy.") }
            return try await act(request, "AttachPolicyToUser", ["user/\(name)", "policy/\(policy)"], back: userPath(name),
                                 done: "Policy \(policy) attached to \(name).") {
                try await ram.attachPolicy($0, name: policy, origin: origin, to: .user(name))
            }
        }
        routes.post("ram/users/:name/policies/detach") { request in
            let name = try request.parameter("name")
            guard let (policy, origin) = Self.policyChoice(request.form["policy"]) else { return .redirect(userPath(name)) }
            return try await act(request, "DetachPolicyFromUser", ["user/\(name)", "policy/\(policy)"], back: userPath(name),
                                 done: "Policy \(policy) detached from \(name).") {
                try await ram.detachPolicy($0, name: policy, origin: origin, from: .user(name))
            }
        }
        routes.post("ram/users/:name/accesskeys") { request in
            let name = try request.parameter("name")
            do {
                let created = try await endpoint.perform(request, RAMService.operation("CreateAccessKey", ["user/\(name)"], write: true), ram: true) {
                    try await ram.createAccessKey($0, userName: name)
                }
                return try await user(request, secret: (created.key.id, created.secret))
            } catch {
                return .redirect(userPath(name), notice: Explanation.of(error, ram: true))
            }
        }
        routes.post("ram/users/:name/accesskeys/:key/delete") { request in
            let (name, key) = (try request.parameter("name"), try request.parameter("key"))
            return try await act(request, "DeleteAccessKey", ["user/\(name)"], back: userPath(name), done: "AccessKey \(key) deleted.") {
                try await ram.deleteAccessKey($0, userName: name, accessKeyID: key)
            }
        }
        routes.get("ram/users/:name/delete") { request in
            let name = try request.parameter("name")
            return .page(ConsolePage("confirm", title: "Delete User", section: "Users", [
                "question": .text("Delete the RAM user \(name)? Its console password and AccessKeys stop working at once."),
                "action": .text(userPath(name) + "/delete"), "button": "Delete User", "back": .text(userPath(name)),
            ]))
        }
        routes.post("ram/users/:name/delete") { request in
            let name = try request.parameter("name")
            return try await act(request, "DeleteUser", ["user/\(name)"], back: "/console/ram/users", failureBack: userPath(name), done: "User \(name) deleted.") {
                try await ram.deleteUser($0, name: name)
            }
        }
        routes.get("ram/groups") { try await groups($0, error: nil) }
        routes.post("ram/groups") { request in
            guard let name = request.form["group-name"] else { return try await groups(request, error: "Group Name is required.") }
            do {
                _ = try await endpoint.perform(request, RAMService.operation("CreateGroup", ["group/\(name)"], write: true), ram: true) {
                    try await ram.createGroup($0, name: name, comments: request.form["comments"])
                }
            } catch {
                return try await groups(request, error: Explanation.of(error, ram: true)).failing(error)
            }
            return .redirect("/console/ram/groups", notice: "Group \(name) created.")
        }
        routes.get("ram/roles") { try await roles($0) }
        routes.get("ram/policies") { try await policies($0) }
        routes.get("ram/policies/create") { .page(createPolicyPage($0, error: nil)) }
        routes.post("ram/policies/create") { try await createPolicy($0) }
        routes.post("ram/policies/validate") { request in
            let text = request.form.raw("document") ?? ""
            let body: [String: Any]
            do {
                try RAMService.validateDocument(text)
                body = ["valid": true, "message": "Valid policy document."]
            } catch {
                body = ["valid": false, "message": Explanation.of(error, ram: true)]
            }
            return .json(.ok, try JSONSerialization.data(withJSONObject: body).bytes)
        }
        routes.get("ram/policies/:origin/:name") { try await policy($0) }
        routes.get("accesskeys") { try await ownKeys($0, secret: nil) }
        routes.post("accesskeys") { request in
            do {
                let created = try await endpoint.perform(request, RAMService.operation("CreateAccessKey", Self.ownerResource(request), write: true), ram: true) {
                    try await ram.createAccessKey($0, userName: nil)
                }
                return try await ownKeys(request, secret: (created.key.id, created.secret))
            } catch {
                return .redirect("/console/accesskeys", notice: Explanation.of(error, ram: true))
            }
        }
    }

    private func userPath(_ name: String) -> String { "/console/ram/users/" + ConsoleEndpoint.segment(name) }

    /// A RAM action from a form: passes the door, runs, and goes back with a notice either way.
    private func act(
        _ request: ConsoleRequest, _ action: String, _ resources: [String], back: String, failureBack: String? = nil, done: String,
        _ body: @Sendable (AuthorizedCall) async throws -> Void
    ) async throws -> ConsoleReply {
        do {
            try await endpoint.perform(request, RAMService.operation(action, resources, write: true), ram: true, body)
        } catch {
            return .redirect(failureBack ?? back, notice: Explanation.of(error, ram: true))
        }
        return .redirect(back, notice: done)
    }

    /// `System:AliyunECSReadOnlyAccess` → the name and origin.
    static func policyChoice(_ value: String?) -> (String, PolicyOrigin)? {
        guard let value else { return nil }
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let origin = PolicyOrigin(rawValue: parts[0]), !parts[1].isEmpty else { return nil }
        return (parts[1], origin)
    }

    /// Whose keys the AccessKeys page is about: the signed-in user's (root's have no RAM resource).
    static func ownerResource(_ request: ConsoleRequest) -> [String] {
        request.session.userName.map { ["user/\($0)"] } ?? []
    }

    // MARK: Users

    private func users(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let listing = try await endpoint.perform(request, RAMService.operation("ListUsers", ["user/*"], write: false), ram: true) {
            try await ram.listUsers($0, marker: nil, maxItems: 1000)
        }
        return .page(ConsolePage("users", title: "Users", section: "Users", [
            "rows": .list(listing.items.map { user in
                ["name": .text(user.name), "display": .text(user.displayName), "segment": .text(ConsoleEndpoint.segment(user.name)),
                 "created": .text(ConsoleEndpoint.format(user.createdAt)), "last_login": user.lastLoginAt.map { .text(ConsoleEndpoint.format($0)) } ?? "Never"]
            }),
            "empty": .flag(listing.items.isEmpty),
        ]))
    }

    private func createUserPage(_ request: ConsoleRequest, error: String?) -> ConsolePage {
        ConsolePage("user-create", title: "Create User", section: "Users", [
            "form_error": error.view, "name": request.form["user-name"].value, "display": request.form["display-name"].value,
        ], status: error == nil ? .ok : .badRequest)
    }

    private func createUser(_ request: ConsoleRequest) async throws -> ConsoleReply {
        guard let name = request.form["user-name"] else { return .page(createUserPage(request, error: "User Name is required.")) }
        do {
            _ = try await endpoint.perform(request, RAMService.operation("CreateUser", ["user/\(name)"], write: true), ram: true) {
                try await ram.createUser($0, name: name, fields: RAMService.UserFields(displayName: request.form["display-name"]))
            }
        } catch {
            return .page(createUserPage(request, error: Explanation.of(error, ram: true)).withStatus(Explanation.status(of: error)))
        }
        return .redirect(userPath(name), notice: "User \(name) created.")
    }

    private func user(_ request: ConsoleRequest, secret: (id: String, secret: String)?) async throws -> ConsoleReply {
        let name = try request.parameter("name")
        let read = { (action: String) in RAMService.operation(action, ["user/\(name)"], write: false) }
        let found = try await endpoint.perform(request, read("GetUser"), ram: true) { try await ram.getUser($0, name: name) }
        let profile = try? await endpoint.perform(request, read("GetLoginProfile"), ram: true) { try await ram.getLoginProfile($0, userName: name) }
        let attached = (try? await endpoint.perform(request, read("ListPoliciesForUser"), ram: true) { try await ram.policies($0, attachedTo: .user(name)) }) ?? []
        let keys = (try? await endpoint.perform(request, read("ListAccessKeys"), ram: true) { try await ram.listAccessKeys($0, userName: name) }) ?? []
        let groups = (try? await endpoint.perform(request, read("ListGroupsForUser"), ram: true) { try await ram.groupsForUser($0, userName: name) }) ?? []
        let catalog = (try? await endpoint.perform(request, RAMService.operation("ListPolicies", ["policy/*"], write: false), ram: true) {
            try await ram.listPolicies($0, origin: nil, marker: nil, maxItems: 1000).items
        }) ?? []
        let alias = try await endpoint.services.signIn.displayDomain(accountID: request.session.accountID)
        return .page(ConsolePage("user", title: found.name, section: "Users", [
            "name": .text(found.name), "segment": .text(ConsoleEndpoint.segment(found.name)), "display": .text(found.displayName),
            "logon_name": .text("\(found.name)@\(alias)"), "created": .text(ConsoleEndpoint.format(found.createdAt)),
            "has_profile": .flag(profile != nil), "reset_required": .flag(profile?.passwordResetRequired ?? false),
            "policies": .list(attached.map { ["name": .text($0.policy.name), "origin": .text($0.policy.origin.rawValue)] }),
            "catalog": .list(catalog.map { ["name": .text($0.name), "origin": .text($0.origin.rawValue)] }),
            "keys": .list(keys.map { ["id": .text($0.id), "status": .text($0.status.rawValue)] }),
            "groups": .list(groups.map { .text($0.group.name) }),
            "new_key": secret.map { ["id": .text($0.id), "secret": .text($0.secret)] } ?? false,
            "min": .text(String(LoginProfile.passwordLengths.lowerBound)), "max": .text(String(LoginProfile.passwordLengths.upperBound)),
        ]))
    }

    private func setLoginProfile(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let name = try request.parameter("name")
        guard let password = request.form.raw("console-password"), !password.isEmpty else {
            return .redirect(userPath(name), notice: "Console Password is required.")
        }
        let reset = request.form.flag("reset-required")
        // The form says which: the page knew whether the user has a login profile.
        let action = request.form.flag("has-profile") ? "UpdateLoginProfile" : "CreateLoginProfile"
        return try await act(request, action, ["user/\(name)"], back: userPath(name), done: "Console password of \(name) set.") { call in
            if action == "UpdateLoginProfile" {
                try await ram.updateLoginProfile(call, userName: name, password: password, resetRequired: reset, mfaBindRequired: nil)
            } else {
                _ = try await ram.createLoginProfile(call, userName: name, password: password, resetRequired: reset, mfaBindRequired: false)
            }
        }
    }

    // MARK: Groups and roles

    private func groups(_ request: ConsoleRequest, error: String?) async throws -> ConsoleReply {
        let listing = try await endpoint.perform(request, RAMService.operation("ListGroups", ["group/*"], write: false), ram: true) {
            try await ram.listGroups($0, marker: nil, maxItems: 1000)
        }
        return .page(ConsolePage("groups", title: "Groups", section: "Groups", [
            "rows": .list(listing.items.map { ["name": .text($0.name), "comments": .text($0.comments), "created": .text(ConsoleEndpoint.format($0.createdAt))] }),
            "empty": .flag(listing.items.isEmpty), "form_error": error.view,
        ], status: error == nil ? .ok : .badRequest))
    }

    private func roles(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let listing = try await endpoint.perform(request, RAMService.operation("ListRoles", ["role/*"], write: false), ram: true) {
            try await ram.listRoles($0, marker: nil, maxItems: 1000)
        }
        return .page(ConsolePage("roles", title: "Roles", section: "Roles", [
            "rows": .list(listing.items.map {
                ["name": .text($0.name), "description": .text($0.description), "max_session": .text(String($0.maxSessionDuration)),
                 "trust": .text($0.trustPolicy)]
            }),
            "empty": .flag(listing.items.isEmpty),
        ]))
    }

    // MARK: Policies

    private func policies(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let listing = try await endpoint.perform(request, RAMService.operation("ListPolicies", ["policy/*"], write: false), ram: true) {
            try await ram.listPolicies($0, origin: nil, marker: nil, maxItems: 1000)
        }
        return .page(ConsolePage("policies", title: "Policies", section: "Policies", [
            "rows": .list(listing.items.map {
                ["name": .text($0.name), "origin": .text($0.origin.rawValue), "description": .text($0.description),
                 "attachments": .text(String($0.attachmentCount)), "href": .text("/console/ram/policies/\($0.origin.rawValue)/\(ConsoleEndpoint.segment($0.name))")]
            }),
        ]))
    }

    private func policy(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let name = try request.parameter("name")
        guard let origin = PolicyOrigin(rawValue: try request.parameter("origin")) else { throw ConsoleFailure.notFound }
        let found = try await endpoint.perform(request, RAMService.operation("GetPolicy", ["policy/\(name)"], write: false), ram: true) {
            try await ram.getPolicy($0, name: name, origin: origin)
        }
        return .page(ConsolePage("policy", title: found.policy.name, section: "Policies", [
            "name": .text(found.policy.name), "origin": .text(origin.rawValue), "description": .text(found.policy.description),
            "version": .text(found.defaultVersion.id), "document": .text(found.defaultVersion.document),
            "has_description": .flag(!found.policy.description.isEmpty),
        ]))
    }

    private func createPolicyPage(_ request: ConsoleRequest, error: String?) -> ConsolePage {
        ConsolePage("policy-create", title: "Create Policy", section: "Policies", [
            "form_error": error.view, "name": request.form["policy-name"].value, "description": request.form["description"].value,
            "document": .text(request.form.raw("policy-document") ?? Self.starterDocument),
        ], status: error == nil ? .ok : .badRequest)
    }

    static let starterDocument = """
        {
          "Version": "1",
          "Statement": [
            {"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}
          ]
        }
        """

    private func createPolicy(_ request: ConsoleRequest) async throws -> ConsoleReply {
        guard let name = request.form["policy-name"] else { return .page(createPolicyPage(request, error: "Policy Name is required.")) }
        let document = request.form.raw("policy-document") ?? ""
        do {
            _ = try await endpoint.perform(request, RAMService.operation("CreatePolicy", ["policy/\(name)"], write: true), ram: true) {
                try await ram.createPolicy($0, name: name, document: document, description: request.form["description"])
            }
        } catch {
            return .page(createPolicyPage(request, error: Explanation.of(error, ram: true)).withStatus(Explanation.status(of: error)))
        }
        return .redirect("/console/ram/policies", notice: "Policy \(name) created.")
    }

    // MARK: Own AccessKeys

    private func ownKeys(_ request: ConsoleRequest, secret: (id: String, secret: String)?) async throws -> ConsoleReply {
        let keys = try await endpoint.perform(request, RAMService.operation("ListAccessKeys", Self.ownerResource(request), write: false), ram: true) {
            try await ram.listAccessKeys($0, userName: nil)
        }
        return .page(ConsolePage("accesskeys", title: "AccessKeys", section: "AccessKeys", [
            "keys": .list(keys.map { ["id": .text($0.id), "status": .text($0.status.rawValue)] }), "who": .text(request.whoami),
            "new_key": secret.map { ["id": .text($0.id), "secret": .text($0.secret)] } ?? false,
        ]))
    }
}
