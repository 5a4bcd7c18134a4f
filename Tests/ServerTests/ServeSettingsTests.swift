import Configuration
import Foundation
import Server
import Services
import Testing

/// `keyward serve`'s options: flags over KEYWARD_* over the file, values checked, paths made absolute once.
@Suite struct ServeSettingsTests {
    static func read(flags: [String: String] = [:], environment: [String: String] = [:], file: [String: ConfigValue] = [:],
                     cwd: String = "/srv/work") throws -> ServeSettings {
        func provider(_ name: String, _ values: [String: ConfigValue]) -> InMemoryProvider {
            InMemoryProvider(name: name, values: Dictionary(uniqueKeysWithValues: values.map { (AbsoluteConfigKey(ConfigKey($0.key)), $0.value) }))
        }
        let reader = ConfigReader(providers: [
            provider("flags", flags.mapValues { .init(.string($0), isSecret: false) }),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "keyward"),
            provider("file", file),
        ])
        return try ServeSettings.read(reader, environment: environment, workingDirectory: cwd)
    }

    @Test func flagsWinOverTheEnvironmentWhichWinsOverTheFile() throws {
        let file: [String: ConfigValue] = ["listen": .init(.string("127.0.0.1:1"), isSecret: false), "port-base": .init(.int(3000), isSecret: false)]
        #expect(try Self.read(file: file).configuration.port == 1)
        #expect(try Self.read(environment: ["KEYWARD_LISTEN": "127.0.0.1:2"], file: file).configuration.port == 2)
        #expect(try Self.read(flags: ["listen": "127.0.0.1:3"], environment: ["KEYWARD_LISTEN": "127.0.0.1:2"], file: file).configuration.port == 3)
        // A JSON number reads as the option's value.
        guard case .automatic(let options) = try Self.read(file: file).configuration.driver else { Issue.record("not automatic"); return }
        #expect(options.loopbackPortBase == 3000)
    }

    @Test func relativePathsAreMadeAbsoluteAgainstTheWorkingDirectory() throws {
        let settings = try Self.read(flags: ["data": "./rel/../data", "server-key-file": "keys/server.key"], cwd: "/srv/work")
        #expect(settings.configuration.dataDirectory == "/srv/work/data")
        #expect(settings.configuration.serverKey == .file("/srv/work/keys/server.key"))
        #expect(try Self.read().configuration.serverKey == .file("/srv/work/keyward-data/server.key"))
    }

    @Test func theSandboxSubnetIsASlash24ByDefaultOrTheNetworkGiven() throws {
        guard case .automatic(let standard) = try Self.read().configuration.driver,
              case .automatic(let wide) = try Self.read(flags: ["subnet": "10.212.0.0/20"]).configuration.driver
        else { Issue.record("not automatic"); return }
        #expect(standard.subnet.description == "10.213.0.0/24")
        #expect(wide.subnet.description == "10.212.0.0/20")
        #expect(wide.subnet.instanceCapacity == 4080)
    }

    @Test func instanceJobsRunThirtyTwoAtOnceUnlessTold() throws {
        #expect(try Self.read().configuration.instanceJobs == 32)
        #expect(try Self.read(environment: ["KEYWARD_INSTANCE_JOBS": "4"]).configuration.instanceJobs == 4)
        #expect(try Self.read(flags: ["instance-jobs": "100"]).configuration.instanceJobs == 100)
    }

    @Test func theTransportFollowsTheListenAddress() throws {
        #expect(try Self.read().configuration.transport == .plainHTTP)
        #expect(try Self.read(flags: ["listen": "0.0.0.0:8443"]).configuration.transport == .selfSignedTLS)
        #expect(try Self.read(flags: ["listen": "0.0.0.0:8080", "allow-plain-http": "true"]).configuration.transport == .plainHTTP)
        #expect(try Self.read(flags: ["tls-cert": "c.pem", "tls-key": "/k.pem"]).configuration.transport == .tls(certificate: "/srv/work/c.pem", key: "/k.pem"))
    }

    @Test(arguments: [
        (["port-base": "lots"], [String: String](), "port-base: 'lots' is not a whole number from 1 to 64000"),
        (["driver": "vm"], [:], "driver: 'vm' is not one of auto, sandbox, simulated"),
        (["instance-jobs": "0"], [:], "instance-jobs: '0' is not a whole number from 1 to 256"),
        (["allow-plain-http": "maybe"], [:], "allow-plain-http: 'maybe' is not true or false"),
        (["tls-key": "k.pem"], [:], "tls-cert and tls-key go together: give both PEM files, or neither"),
        (["bridge": "a-very-long-bridge-name"], [:], "bridge: 'a-very-long-bridge-name' is not an interface name (1 to 15 letters, digits, - or _)"),
        (["subnet": "10.213.1.0/20"], [:],
         "subnet: '10.213.1.0/20' is not the first three octets of a /24 (e.g. 10.213.0) nor a network of /16 to /24 (e.g. 10.213.0.0/20)"),
        (["server-key-file": "k"], ["KEYWARD_SERVER_KEY": "abc"], "KEYWARD_SERVER_KEY and server-key-file both give the server key: keep one"),
        ([:], ["KEYWARD_ROOT_ACCESS_KEY_ID": "LTAI1"], "KEYWARD_ROOT_ACCESS_KEY_ID is set but KEYWARD_ROOT_ACCESS_KEY_SECRET is not"),
    ])
    func malformedValuesAreRefusedNotDefaulted(flags: [String: String], environment: [String: String], message: String) {
        #expect(throws: ServeSettings.Invalid.self) { try Self.read(flags: flags, environment: environment) }
        do {
            _ = try Self.read(flags: flags, environment: environment)
        } catch {
            #expect(String(describing: error) == message)
        }
    }
}
