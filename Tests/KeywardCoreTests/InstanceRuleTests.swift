import Foundation
import KeywardCore
import Testing

@Suite struct InstanceRuleTests {
    @Test(arguments: ["ecs.t1.small", "ecs.s2.large", "ecs.m1.medium", "ecs.c1.small", "ecs.s3.medium"])
    func generationOneFamiliesRefuseKeyPairs(type: String) {
        #expect(!InstanceRules.supportsKeyPairs(instanceType: type))
        #expect(throws: DomainError.nonIOOptimizedKeyPair) { try InstanceRules.checkKeyPairAllowed(osType: .linux, instanceType: type) }
    }

    @Test func ioOptimizedLinuxAcceptsKeyPairsAndWindowsNever() throws {
        try InstanceRules.checkKeyPairAllowed(osType: .linux, instanceType: "ecs.g7.large")
        #expect(throws: DomainError.windowsInstanceKeyPair) { try InstanceRules.checkKeyPairAllowed(osType: .windows, instanceType: "ecs.g7.large") }
    }

    @Test func statusRulesFollowECS() throws {
        try InstanceRules.check(.start, status: .stopped)
        #expect(throws: DomainError.incorrectInstanceStatus("Running")) { try InstanceRules.check(.start, status: .running) }
        #expect(throws: DomainError.incorrectInstanceStatus("Stopped")) { try InstanceRules.check(.reboot, status: .stopped) }
        #expect(throws: DomainError.incorrectInstanceStatus("Running")) { try InstanceRules.check(.delete, status: .running) }
        try InstanceRules.check(.forceDelete, status: .running)
        #expect(throws: DomainError.incorrectInstanceStatus("Running")) { try InstanceRules.check(.replaceSystemDisk, status: .running) }
    }

    @Test func hostNamesFollowLinuxRules() throws {
        try InstanceRules.validateHostName("web-1.example")
        for bad in ["-web", "web-", "a", "web..1", "we b", "web_1"] {
            #expect(throws: DomainError.invalidHostName(bad)) { try InstanceRules.validateHostName(bad) }
        }
    }

    @Test func aBoundKeyPairTurnsPasswordLoginOff() {
        var credentials = InstanceCredentials()
        #expect(!credentials.passwordAuthentication)
        credentials.setPassword(hash: "$6$x$y")
        #expect(credentials.passwordAuthentication)
        credentials.bind([BoundKeyPair(name: "k", publicKey: "ssh-ed25519 AAAA")])
        #expect(!credentials.passwordAuthentication)
        credentials.bind([BoundKeyPair(name: "k2", publicKey: "ssh-ed25519 BBBB")])
        #expect(credentials.publicKeys == ["ssh-ed25519 BBBB"])
        credentials.unbindKeyPair()
        #expect(credentials.passwordAuthentication)
        #expect(InstanceCredentials(passwordInherited: true).passwordAuthentication)
    }
}

@Suite struct BoundKeyPairsTests {
    @Test func ecsBindingReplacesWhileCVMBindingAdds() {
        var credentials = InstanceCredentials(passwordHash: "$6$x")
        credentials.add(BoundKeyPair(name: "a", publicKey: "ssh-ed25519 A"))
        credentials.add(BoundKeyPair(name: "b", publicKey: "ssh-ed25519 B"))
        credentials.add(BoundKeyPair(name: "a", publicKey: "ssh-ed25519 A"))
        #expect(credentials.keyPairNames == ["a", "b"])
        #expect(credentials.publicKeys == ["ssh-ed25519 A", "ssh-ed25519 B"])
        #expect(credentials.keyPairName == "a")
        #expect(!credentials.passwordAuthentication)
        credentials.remove(keyPairName: "a")
        #expect(credentials.keyPairNames == ["b"])
        credentials.bind([BoundKeyPair(name: "c", publicKey: "ssh-ed25519 C")])
        #expect(credentials.keyPairNames == ["c"])
        credentials.remove(keyPairName: "c")
        #expect(credentials.keyPairs.isEmpty)
        #expect(credentials.passwordAuthentication, "with every key unbound the password logs in again")
    }

    @Test func recordsFromBeforeSeveralKeysDecodeToTheirOneKey() throws {
        let legacy = #"{"keyPairName":"web","passwordInherited":false,"publicKeys":["ssh-ed25519 AAAA web"]}"#
        let decoded = try JSONDecoder().decode(InstanceCredentials.self, from: Data(legacy.utf8))
        #expect(decoded.keyPairs == [BoundKeyPair(name: "web", publicKey: "ssh-ed25519 AAAA web")])
        let none = try JSONDecoder().decode(InstanceCredentials.self, from: Data(#"{"passwordHash":"$6$y","passwordInherited":true,"publicKeys":[]}"#.utf8))
        #expect(none.keyPairs.isEmpty)
        #expect(none.passwordHash == "$6$y")
        #expect(none.passwordInherited)
        let roundTrip = try JSONDecoder().decode(InstanceCredentials.self, from: JSONEncoder().encode(decoded))
        #expect(roundTrip == decoded)
    }
}
