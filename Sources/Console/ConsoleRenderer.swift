import Foundation
import Mustache

/// The console's templates and static files, compiled into the binary: nothing is read from disk at run time.
struct ConsoleRenderer: Sendable {
    private let library: MustacheLibrary

    /// Every template by name, as embedded from `Templates/`.
    static let templates: [String: [UInt8]] = [
        "layout": PackageResources.layout_mustache,
        "login": PackageResources.login_mustache,
        "password": PackageResources.password_mustache,
        "error": PackageResources.error_mustache,
        "keypairs": PackageResources.keypairs_mustache,
        "keypair-create": PackageResources.keypair_create_mustache,
        "keypair-import": PackageResources.keypair_import_mustache,
        "keypair-delete": PackageResources.keypair_delete_mustache,
        "keypair-binding": PackageResources.keypair_binding_mustache,
        "binding-result": PackageResources.binding_result_mustache,
        "instances": PackageResources.instances_mustache,
        "instance": PackageResources.instance_mustache,
        "instance-create": PackageResources.instance_create_mustache,
        "instance-password": PackageResources.instance_password_mustache,
        "instance-connect": PackageResources.instance_connect_mustache,
        "instance-diagnose": PackageResources.instance_diagnose_mustache,
        "instance-image": PackageResources.instance_image_mustache,
        "instance-binding": PackageResources.instance_binding_mustache,
        "password-rules": PackageResources.password_rules_mustache,
        "images": PackageResources.images_mustache,
        "image": PackageResources.image_mustache,
        "confirm": PackageResources.confirm_mustache,
        "users": PackageResources.users_mustache,
        "user": PackageResources.user_mustache,
        "user-create": PackageResources.user_create_mustache,
        "groups": PackageResources.groups_mustache,
        "roles": PackageResources.roles_mustache,
        "policies": PackageResources.policies_mustache,
        "policy": PackageResources.policy_mustache,
        "policy-create": PackageResources.policy_create_mustache,
        "accesskeys": PackageResources.accesskeys_mustache,
        "audit": PackageResources.audit_mustache,
        "scaling": PackageResources.scaling_mustache,
    ]

    /// Static files by name, with their content types.
    static let assets: [String: (contentType: String, bytes: [UInt8])] = [
        "console.css": ("text/css; charset=utf-8", PackageResources.console_css),
        "console.js": ("text/javascript; charset=utf-8", PackageResources.console_js),
    ]

    init() throws {
        var library = MustacheLibrary()
        for (name, bytes) in Self.templates {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    func render(_ template: String, _ view: View) -> String {
        library.render(view.mustacheValue, withTemplate: template) ?? "template \(template) is missing"
    }
}
