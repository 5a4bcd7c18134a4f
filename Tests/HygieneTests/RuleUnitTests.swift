import Hygiene
import SSHKeys
import Testing

@Suite struct SecretScannerTests {
    @Test(arguments: [
        ("mysql -uroot -pS3cr3t db", SecretKind.mysqlPassword),
        ("mysqldump --password=S3cr3t db", .mysqlPassword),
        ("export PGPASSWORD=hunter2", .pgPassword),
        ("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", .awsSecretAccessKey),
        ("aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE", .awsAccessKeyID),
        ("sshpass -p hunter2 ssh admin@host", .sshpass),
        ("curl -u admin:hunter2 https://example.com/api", .curlCredentials),
        ("git clone https://deploy:t0ken@git.example.com/repo.git", .urlCredentials),
        ("echo 'password=Winter2024!' > /tmp/x", .passwordAssignment),
        ("DB_PASSWORD='Sup3rS3cret!'", .passwordAssignment),
        ("    plain_text_passwd: 'admin123'", .passwordAssignment),
        ("CREATE USER 'app'@'%' IDENTIFIED BY 'app123';", .sqlPassword),
        ("ALTER ROLE app WITH PASSWORD 'app123';", .sqlPassword),
        ("echo root:changeme | chpasswd", .chpasswd),
        ("curl -H 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345' https://x", .bearerToken),
        ("GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789", .apiToken),
        ("redis-cli -a hunter2 ping", .passwordOption),
        ("useradd -p '$6$salt$hash' bob", .passwordHash),
        ("hashed_passwd: $6$saltsalt$QSUYlb99sY1moMAmGNwaUZi0pfr427F28XTS7s9RpEwqnptaNbKEcAfUbGE2OGEHyhSUwsRc", .passwordHash),
    ])
    func recognisesSecrets(line: String, kind: SecretKind) {
        #expect(SecretScanner.kinds(in: line).contains(kind), "\(SecretScanner.kinds(in: line))")
    }

    @Test(arguments: [
        "PasswordAuthentication yes",
        "lock_passwd: false",
        "ssh_pwauth: true",
        "password: ${DB_PASSWORD}",
        "passwd -d alice",
        "mysql -u root -p",
        "if [ \"$password\" == \"\" ]; then",
        "PASS_MAX_DAYS 99999",
        "password_file=/run/secrets/db",
        "chpasswd: { expire: false }",
        "%sudo ALL=(ALL) NOPASSWD:ALL",
        "https://example.com/path?user=1",
        "ls -la /home",
    ])
    func leavesOrdinaryLinesAlone(line: String) {
        #expect(SecretScanner.kinds(in: line).isEmpty, "\(SecretScanner.kinds(in: line))")
    }

    @Test func reportsLineNumbersNotValues() {
        let matches = SecretScanner.scan(["ls", "mysql -uroot -pS3cr3tPass db", "cd /"])
        #expect(matches == [SecretMatch(line: 2, kind: .mysqlPassword)])
    }
}

@Suite struct PasswordFieldTests {
    @Test(arguments: [
        ("", PasswordFieldState.empty),
        ("*", .disabled),
        ("!", .locked(hashAlgorithm: nil)),
        ("!!", .locked(hashAlgorithm: nil)),
        ("*LOCK*", .disabled),
        ("x", .disabled),
        ("$6$saltsalt$QSUYlb99sY1moMAmGNwaUZi0pfr427F28XTS7s9RpEwqnptaNbKEcAfUbGE2OGEHyhSUwsRc/PzGNPodoED9X/", .hash(.sha512crypt)),
        ("$y$j9T$abcdefghijklmnop$kHcVmSQvahjbnOSpub6uY4lphpPvE6FukN501qNMK5B", .hash(.yescrypt)),
        ("$1$saltsalt$kberzZ02RciEsDsLvmaij0", .hash(.md5crypt)),
        ("$5$saltsalt$7hjSV6hjORUE5FkFMGqavR3Qsx/W1cKlLQgjynpPVh9", .hash(.sha256crypt)),
        ("$2b$12$abcdefghijklmnopqrstuuoAOTDgCmm5jF1ro5GSQzksefzEpcPv6", .hash(.bcrypt)),
        ("abJnggxhB/yWI", .hash(.descrypt)),
        ("!$6$othersalt$lQLx0Rv.c1vCxP167A.xfZG9pQObQr268RfTFSLQ90bX32WnrVOhzK5sHc2jGLdMZUSQUef2OWuswaTFApxVq1", .locked(hashAlgorithm: .sha512crypt)),
    ])
    func classifiesShadowFields(field: String, state: PasswordFieldState) {
        #expect(PasswordFieldState(field: field) == state)
    }

    @Test func weakSchemesAreCalledOut() {
        #expect(HashAlgorithm.md5crypt.isWeak && HashAlgorithm.descrypt.isWeak)
        #expect(!HashAlgorithm.yescrypt.isWeak && !HashAlgorithm.sha512crypt.isWeak && !HashAlgorithm.bcrypt.isWeak)
        #expect(HashAlgorithm.sha512crypt.label == "sha512crypt ($6$)")
    }
}

@Suite struct AuthorizedKeysLineTests {
    static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host"

    @Test func optionsWithQuotedSpacesAreSplitOffAndOnlyNamed() throws {
        let line = try #require(AuthorizedKeysLine(#"command="echo \"a b\" secret-arg",no-pty,from="10.0.0.0/8" "# + Self.key))
        #expect(line.optionNames == ["command", "no-pty", "from"])
        #expect(line.keyText == Self.key)
        let key = try line.publicKey().get()
        #expect(key.algorithm == "ssh-ed25519")
        #expect(key.comment == "user@host")
    }

    @Test func plainKeyLinesHaveNoOptions() throws {
        let line = try #require(AuthorizedKeysLine("  " + Self.key))
        #expect(line.optionNames.isEmpty)
        #expect((try? line.publicKey().get()) != nil)
    }

    @Test func commentsAndBlankLinesAreSkipped() {
        #expect(AuthorizedKeysLine("# a comment") == nil)
        #expect(AuthorizedKeysLine("   ") == nil)
    }

    @Test func historyFilesAreRecognisedByNameAnywhere() {
        #expect(HistoryCatalog.tool(forPath: "/srv/app/.bash_history") == "bash")
        #expect(HistoryCatalog.tool(forPath: "/root/.local/share/fish/fish_history") == "fish")
        #expect(HistoryCatalog.tool(forPath: "/var/lib/postgresql/.psql_history") == "psql")
        #expect(HistoryCatalog.tool(forPath: "/etc/bash.bashrc") == nil)
    }
}
