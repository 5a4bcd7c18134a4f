import Foundation
import Hygiene
import SSHKeys
import Testing

/// A key pair made by ssh-keygen for one test.
struct FixtureKey {
    let privateText: String
    let publicLine: String

    init(_ type: String, pem: Bool = false, in scratch: Scratch) throws {
        let file = scratch.file("key-\(type)-\(UUID().uuidString)")
        var arguments = ["-q", "-t", type, "-N", "", "-C", "fixture-\(type)", "-f", file]
        if pem { arguments += ["-m", "PEM"] }
        if type == "rsa" { arguments += ["-b", "2048"] }
        try Tools.check("ssh-keygen", arguments)
        privateText = try String(contentsOfFile: file, encoding: .utf8)
        publicLine = try String(contentsOfFile: file + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var fingerprint: String {
        get throws { try PublicKey(parsing: publicLine).sha256Fingerprint }
    }

    /// The private key as the lines of a YAML block scalar, indented by `indent` spaces.
    func blockLines(indent: Int) -> [String] {
        privateText.split(separator: "\n").map { String(repeating: " ", count: indent) + $0 }
    }
}

@Suite struct CloudConfigTests {
    static let cloudRules: Set<RuleID> = [.cloudInitPassword, .cloudInitAuthorizedKey, .cloudInitPasswordAuthentication, .privateKey]

    /// The findings of the cloud-init rules (and private keys) on one path.
    static func cloudFindings(_ report: ScanReport, _ path: String) -> Set<Located> {
        report.located.filter { $0.path == path && cloudRules.contains($0.rule) }
    }

    static func scan(_ image: some ImageTree, archived: Bool) throws -> ScanReport {
        try ImageScanner().scan(path: archived ? image.archive(gzip: true) : image.root)
    }

    @Test(arguments: [false, true])
    func userDataOutsideEtcCloudIsAPresetPasswordOnItsOwnPath(archived: Bool) throws {
        let userData = "#cloud-config\nchpasswd:\n  expire: false\n  list: |\n    root:Passw0rd!\n    ubuntu:RANDOM\n"
        let image = try HandMadeImage(["/var/tmp/user-data.yml": userData, "/srv/seed/user-data": userData])
        defer { image.remove() }
        let report = try Self.scan(image, archived: archived)

        #expect(Self.cloudFindings(report, "/var/tmp/user-data.yml") == [Located(.cloudInitPassword, "/var/tmp/user-data.yml", 5)])
        #expect(Self.cloudFindings(report, "/srv/seed/user-data") == [Located(.cloudInitPassword, "/srv/seed/user-data", 5)])
        #expect(report.finding(.cloudInitPassword, "/var/tmp/user-data.yml")?.message == "chpasswd list sets a plain-text password for 'root'")
        #expect(report.located.contains(Located(.temporaryFiles, "/var/tmp/user-data.yml")), "\(report.located)")
        #expect(report.finding(.temporaryFiles, "/var/tmp") == nil, "the leftover is named, not only its folder")
        #expect(report.findings(of: .secretInTemporaryFile).isEmpty, "a cloud-config is reported once, as cloud-init")
        #expect(!TextReportRenderer(color: false).render(report).contains("Passw0rd!"))
    }

    @Test(arguments: [false, true])
    func everyCredentialFieldIsReportedOnItsLine(archived: Bool) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let hostRSA = try FixtureKey("rsa", pem: true, in: scratch)
        let hostEd25519 = try FixtureKey("ed25519", in: scratch)
        let grace = try FixtureKey("ed25519", in: scratch)
        let admin = try FixtureKey("ecdsa", in: scratch)
        let sha512 = "$6$saltsalt$QSUYlb99sY1moMAmGNwaUZi0pfr427F28XTS7s9RpEwqnptaNbKEcAfUbGE2OGEHyhSUwsRc/PzGNPodoED9X/"
        var lines = [
            "#cloud-config",                                                                    // 1
            "password: Sup3rSecret1",                                                           // 2
            "chpasswd:",                                                                        // 3
            "  list:",                                                                          // 4
            "    - alice:Alic3Pass",                                                            // 5
            "    - bob:\(sha512)",                                                              // 6
            "    - carol:R",                                                                    // 7
            "  users:",                                                                         // 8
            "    - {name: dave, password: Dav3Pass, type: text}",                               // 9
            "    - name: erin",                                                                 // 10
            "      password: $y$j9T$abcdefghijklmnop$kHcVmSQvahjbnOSpub6uY4lphpPvE6FukN501qNMK5B", // 11
            "      type: hash",                                                                 // 12
            "    - {name: frank, type: RANDOM}",                                                // 13
            "users:",                                                                           // 14
            "  - default",                                                                      // 15
            "  - name: grace",                                                                  // 16
            "    passwd: \(sha512)",                                                            // 17
            "    lock_passwd: false",                                                           // 18
            "    sudo: ALL=(ALL) NOPASSWD:ALL",                                                 // 19
            "    ssh_authorized_keys:",                                                         // 20
            "      - \(grace.publicLine)",                                                      // 21
            "  - name: heidi",                                                                  // 22
            "    plain_text_passwd: 'H3idiPass'",                                               // 23
            "  - name: ivan",                                                                   // 24
            "    hashed_passwd: $1$saltsalt$kberzZ02RciEsDsLvmaij0",                            // 25
            "ssh_authorized_keys:",                                                             // 26
            "  - \(admin.publicLine)",                                                          // 27
            "ssh_pwauth: true",                                                                 // 28
            "ssh_keys:",                                                                        // 29
            "  rsa_private: |",                                                                 // 30
        ]
        let rsaLine = lines.count + 1
        lines += hostRSA.blockLines(indent: 4)
        lines += ["  rsa_public: \(hostRSA.publicLine)", "  ed25519_private: |"]
        let ed25519Line = lines.count + 1
        lines += hostEd25519.blockLines(indent: 4)
        let path = "/opt/image/provision.yaml"
        let image = try HandMadeImage([path: lines.joined(separator: "\n") + "\n"])
        defer { image.remove() }
        let report = try Self.scan(image, archived: archived)

        let passwords = [2, 5, 6, 9, 11, 17, 23, 25].map { Located(.cloudInitPassword, path, $0) }
        let keys = [Located(.cloudInitAuthorizedKey, path, 21), Located(.cloudInitAuthorizedKey, path, 27)]
        let expected = passwords + keys + [
            Located(.cloudInitPasswordAuthentication, path, 28),
            Located(.privateKey, path, rsaLine),
            Located(.privateKey, path, ed25519Line),
        ]
        let found = Self.cloudFindings(report, path)
        #expect(found == Set(expected), "missing: \(Set(expected).subtracting(found)); unexpected: \(found.subtracting(expected))")
        #expect(report.findings.filter { $0.path == path && $0.rule == .privateKey }.count == 2, "each key once, though the file is a key candidate")

        #expect(report.finding(.cloudInitPassword, path, 6)?.message == "chpasswd list sets a sha512crypt ($6$) password hash for 'bob'")
        #expect(report.finding(.cloudInitPassword, path, 9)?.message == "chpasswd users sets a plain-text password for 'dave'")
        #expect(report.finding(.cloudInitPassword, path, 17)?.message == "users entry 'grace' sets passwd: a sha512crypt ($6$) password hash")
        #expect(report.finding(.cloudInitPassword, path, 23)?.message == "users entry 'heidi' sets plain_text_passwd: a plain-text password")
        #expect(report.finding(.cloudInitPassword, path, 25)?.message == "users entry 'ivan' sets hashed_passwd: a md5crypt ($1$) password hash")
        let graceKey = try #require(report.finding(.cloudInitAuthorizedKey, path, 21))
        let graceFingerprint = try grace.fingerprint
        #expect(graceKey.message.contains(graceFingerprint) && graceKey.message.contains("users entry 'grace'"), "\(graceKey.message)")
        let adminKey = try #require(report.finding(.cloudInitAuthorizedKey, path, 27))
        let adminFingerprint = try admin.fingerprint
        #expect(adminKey.message.contains(adminFingerprint), "\(adminKey.message)")

        let rsa = try #require(report.finding(.privateKey, path, rsaLine))
        let rsaFingerprint = try hostRSA.fingerprint
        #expect(rsa.message.contains("ssh_keys rsa_private") && rsa.message.contains(rsaFingerprint), "\(rsa.message)")
        #expect(rsa.severity == .critical)
        #expect(rsa.remediation.contains("ssh_keys"))
        #expect(report.finding(.privateKey, path, ed25519Line)?.message.contains("ssh_keys ed25519_private") == true)

        let text = TextReportRenderer(color: false).render(report)
        for secret in ["Sup3rSecret1", "Alic3Pass", "Dav3Pass", "H3idiPass", sha512] {
            #expect(!text.contains(secret), "leaked \(secret)")
        }
    }

    @Test func generatedPasswordsAreNotFindings() throws {
        let path = "/opt/seed/random.yaml"
        let image = try HandMadeImage([path: """
            #cloud-config
            password: RANDOM
            chpasswd:
              list: |
                root:RANDOM
                admin:R
              users:
                - {name: ops, type: RANDOM}
                - name: dev
                  password: R

            """])
        defer { image.remove() }
        let report = try ImageScanner().scan(path: image.root)
        #expect(Self.cloudFindings(report, path).isEmpty, "\(report.located)")
    }

    @Test func filesUnderEtcCloudNeedNoHeader() throws {
        let image = try HandMadeImage([
            "/etc/cloud/cloud.cfg.d/90-users.cfg": "users:\n  - name: ops\n    plain_text_passwd: 0psPass\n",
            "/etc/cloud/cloud.cfg": "system_info:\n  distro: debian\n  default_user:\n    name: debian\n    lock_passwd: false\n"
                + "    passwd: $6$saltsalt$QSUYlb99sY1moMAmGNwaUZi0pfr427F28XTS7s9RpEwqnptaNbKEcAfUbGE2OGEHyhSUwsRc/PzGNPodoED9X/\n",
        ])
        defer { image.remove() }
        let report = try ImageScanner().scan(path: image.root)
        let dropIn = "/etc/cloud/cloud.cfg.d/90-users.cfg"
        #expect(Self.cloudFindings(report, dropIn) == [Located(.cloudInitPassword, dropIn, 3)])
        #expect(Self.cloudFindings(report, "/etc/cloud/cloud.cfg") == [Located(.cloudInitPassword, "/etc/cloud/cloud.cfg", 6)])
    }

    @Test func yamlThatIsNotCloudConfigIsNotReportedAsCloudInit() throws {
        let image = try HandMadeImage([
            "/var/tmp/app.yml": "database:\n  host: db\n  password: hunter22\n",
            "/opt/app/users.yml": "users:\n  - name: app\n    plain_text_passwd: Secr3tApp\n",
            "/opt/app/late-header.yml": "# settings\n#cloud-config\npassword: LateHead3r\n",
            "/opt/bom/user-data": "\u{FEFF}\n  #cloud-config\npassword: B0mPassword\n",
        ])
        defer { image.remove() }
        let report = try ImageScanner().scan(path: image.root)
        let cloud = report.located.filter { Self.cloudRules.contains($0.rule) }
        #expect(cloud == [Located(.cloudInitPassword, "/opt/bom/user-data", 3)], "a BOM and blank lines may come before the header")
        #expect(report.located.contains(Located(.secretInTemporaryFile, "/var/tmp/app.yml", 3)))
    }

    @Test(arguments: [false, true])
    func multipartUserDataIsExaminedPartByPart(archived: Bool) throws {
        let encoded = Data("#cloud-config\npassword: B64Passw0rd\n".utf8).base64EncodedString()
        let path = "/opt/seed/user-data.mime"
        let image = try HandMadeImage([path: [
            "MIME-Version: 1.0",                                             // 1
            "Content-Type: multipart/mixed; boundary=\"==BOUNDARY==\"",      // 2
            "",                                                              // 3
            "--==BOUNDARY==",                                                // 4
            "Content-Type: text/x-shellscript; charset=\"us-ascii\"",        // 5
            "",                                                              // 6
            "#!/bin/sh",                                                     // 7
            "echo 'root:Scr1ptPass' | chpasswd",                             // 8
            "",                                                              // 9
            "--==BOUNDARY==",                                                // 10
            "Content-Type: text/cloud-config; charset=\"us-ascii\"",         // 11
            "",                                                              // 12
            "users:",                                                        // 13
            "  - name: ops",                                                 // 14
            "    plain_text_passwd: MimePass1",                              // 15
            "",                                                              // 16
            "--==BOUNDARY==",                                                // 17
            "Content-Type: text/cloud-config",                               // 18
            "Content-Transfer-Encoding: base64",                             // 19
            "",                                                              // 20
            encoded,                                                         // 21
            "--==BOUNDARY==--",                                              // 22
        ].joined(separator: "\n") + "\n"])
        defer { image.remove() }
        let report = try Self.scan(image, archived: archived)
        #expect(Self.cloudFindings(report, path) == Set([8, 15, 21].map { Located(.cloudInitPassword, path, $0) }), "\(report.located)")
        #expect(report.finding(.cloudInitPassword, path, 8)?.message.contains("text/x-shellscript") == true)
    }

    @Test(arguments: [false, true])
    func oversizedAndBinaryUserDataAreSkipped(archived: Bool) throws {
        let padding = String(repeating: "# padding line\n", count: 80_000)
        let image = try HandMadeImage([
            "/srv/big/user-data": "#cloud-config\n" + padding + "password: FarAway1\n",
            "/srv/binary/user-data": "#cloud-config\n\u{0}\u{0}\npassword: Bin4ryPass\n",
        ])
        defer { image.remove() }
        let report = try Self.scan(image, archived: archived)
        #expect(report.findings(of: .cloudInitPassword).isEmpty, "\(report.located)")
        #expect(report.notes.contains { $0.path == "/srv/big/user-data" && $0.message.contains("not examined as cloud-init configuration") },
                "\(report.notes)")
    }
}

@Suite struct LeftoverFileTests {
    @Test(arguments: [false, true])
    func leftoversAreNamedOneByOne(archived: Bool) throws {
        let image = try HandMadeImage(["/tmp/bootstrap.sh": "#!/bin/sh\n", "/tmp/build/out.o": "x", "/var/tmp/notes.txt": "todo\n"])
        defer { image.remove() }
        try FileManager.default.createDirectory(atPath: image.path("/tmp/empty"), withIntermediateDirectories: true)
        try image.link("/tmp/passwd-link", to: "/etc/passwd")
        let report = try CloudConfigTests.scan(image, archived: archived)

        let leftovers = Set(report.findings(of: .temporaryFiles).map(Located.init))
        let expected = ["/tmp/bootstrap.sh", "/tmp/build/out.o", "/tmp/empty", "/tmp/passwd-link", "/var/tmp/notes.txt"]
        #expect(leftovers == Set(expected.map { Located(.temporaryFiles, $0) }), "\(leftovers)")
        #expect(report.finding(.temporaryFiles, "/tmp/bootstrap.sh")?.message == "regular file left in /tmp, 10 bytes")
        #expect(report.finding(.temporaryFiles, "/tmp/empty")?.message == "empty directory left in /tmp")
    }

    @Test func manyLeftoversAreNamedUpToTheLimitThenCounted() throws {
        var files: [String: String] = [:]
        for index in 0..<60 { files[String(format: "/var/tmp/f%02d", index)] = "x" }
        let image = try HandMadeImage(files)
        defer { image.remove() }
        let report = try ImageScanner().scan(path: image.root)

        let leftovers = report.findings(of: .temporaryFiles)
        #expect(leftovers.count == TemporaryFileRules.namedLeftoverLimit + 1)
        #expect(leftovers.filter { $0.path != "/var/tmp" }.map(\.path).sorted() == (0..<50).map { String(format: "/var/tmp/f%02d", $0) })
        #expect(report.finding(.temporaryFiles, "/var/tmp")?.message == "and 10 more entries left in /var/tmp (60 in all)")
    }
}
