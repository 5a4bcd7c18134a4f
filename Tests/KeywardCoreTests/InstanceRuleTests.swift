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
        credentials.bind(keyPairName: "k", publicKey: "ssh-ed25519 AAAA")
        #expect(!credentials.passwordAuthentication)
        credentials.bind(keyPairName: "k2", publicKey: "ssh-ed25519 BBBB")
        #expect(credentials.publicKeys == ["ssh-ed25519 BBBB"])
        credentials.unbindKeyPair()
        #expect(credentials.passwordAuthentication)
        #expect(InstanceCredentials(passwordInherited: true).passwordAuthentication)
    }
}
