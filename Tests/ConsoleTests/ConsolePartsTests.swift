@testable import Console
import Foundation
import KeywardCore
import Testing

/// The console's own parts: form decoding, one-time notices, and every template rendering with its layout.
@Suite struct ConsolePartsTests {
    @Test func formFieldsDecodeAsBrowsersEncode() {
        let form = FormFields(urlEncoded: "name=a+b%2Bc&empty=&instance=i-1&instance=i-2&key=ssh-ed25519+AAAA%3D%3D+me%40host&flag=on")
        #expect(form["name"] == "a b+c")
        #expect(form["empty"] == nil)
        #expect(form.raw("empty") == "")
        #expect(form.all("instance") == ["i-1", "i-2"])
        #expect(form["key"] == "ssh-ed25519 AAAA== me@host")
        #expect(form.flag("flag"))
        #expect(!form.flag("missing"))
        let malformed = FormFields(urlEncoded: "name=web&bad=%ZZ")
        #expect(malformed["name"] == nil)
    }

    @Test func noticesRoundTripAndRefuseGarbage() {
        let message = "Key pair web-1 deleted. «ünïcode» & <b>"
        #expect(ConsoleEndpoint.decodeNotice(ConsoleEndpoint.encodeNotice(message)) == message)
        #expect(ConsoleEndpoint.decodeNotice("%%%") == nil)
        #expect(ConsoleEndpoint.decodeNotice("") == nil)
        #expect(!ConsoleEndpoint.encodeNotice(message).contains("="))
    }

    @Test func everyTemplateRendersInsideTheLayoutAndEscapesText() throws {
        let renderer = try ConsoleRenderer()
        let hostile = "<script>alert(1)</script>"
        for name in ConsoleRenderer.templates.keys where !["layout", "password-rules"].contains(name) {
            let html = renderer.render(name, ["title": .text(hostile), "name": .text(hostile), "signed_in": true, "whoami": "root", "csrf": "t0k"])
            #expect(html.hasPrefix("<!DOCTYPE html>"), "\(name) is not inside the layout")
            #expect(html.contains("<main id=\"main\""), "\(name) has no main")
            #expect(!html.contains(hostile), "\(name) did not escape its text")
            #expect(html.contains("&lt;script&gt;"), "\(name) did not show its title")
        }
    }

    @Test func passwordRulesCarryThePolicysNumbers() throws {
        let renderer = try ConsoleRenderer()
        let html = renderer.render("instance-password", ["rules": PasswordRules.view(.ecs), "id": "i-1", "name": "web", "signed_in": true])
        #expect(html.contains("data-rule=\"length\" data-min=\"8\" data-max=\"30\""))
        #expect(html.contains("data-rule=\"classes\" data-min=\"3\""))
        #expect(html.contains("8 to 30 characters"))
    }

    @Test func keyTypesAreNamedAsTheConsolesNameThem() {
        #expect(ConsoleEndpoint.keyTypeName("ssh-rsa") == "RSA")
        #expect(ConsoleEndpoint.keyTypeName("ssh-ed25519") == "ED25519")
        #expect(ConsoleEndpoint.keyTypeName("ecdsa-sha2-nistp256") == "ECDSA")
        #expect(ConsoleEndpoint.keyTypeName("sk-ssh-ed25519@openssh.com") == "ED25519")
    }

    @Test func theConnectLineNamesTheKeyFileAndPort() {
        var instance = Instance(
            id: "i-1", accountID: "1", regionID: "cn-hangzhou", name: "web", hostName: "web", imageID: "img", instanceType: "ecs.g7.large", osType: .linux,
            status: .running, bound: InstanceCredentials(), effective: nil, firstBootPending: false, passwordInherit: false, endpoint: nil, userData: "",
            metadataTokensRequired: false, metadataEnabled: true, creationTime: .now, startTime: nil, firstBootReport: []
        )
        let endpoint = InstanceEndpoint(address: "10.213.0.11", port: 22)
        #expect(InstancePages.sshCommand(instance, endpoint: endpoint) == "ssh root@10.213.0.11 -p 22")
        instance.bound.bind([BoundKeyPair(name: "web", publicKey: "ssh-ed25519 AAAA")])
        #expect(InstancePages.sshCommand(instance, endpoint: InstanceEndpoint(address: "127.0.0.1", port: 2201)) == "ssh -i web.pem root@127.0.0.1 -p 2201")
    }

    @Test func goingBackStaysInsideTheConsole() {
        #expect(ConsoleEndpoint.consolePath("/console/instances/i-1") == "/console/instances/i-1")
        for outside in ["https://elsewhere.example/", "//elsewhere.example/console/", "/console//elsewhere", "/other", "/console/a\\b", "/console/a b", ""] {
            #expect(ConsoleEndpoint.consolePath(outside) == nil, "\(outside) was allowed")
        }
    }

    @Test func timesShowInUTC() {
        #expect(ConsoleEndpoint.format(Date(timeIntervalSince1970: 1_796_155_200)) == "2026-12-01 20:00:00 UTC")
    }
}
