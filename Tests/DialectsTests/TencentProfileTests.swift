@testable import Dialects
import Foundation
import KeywardCore
import Testing

/// What is Tencent's own: id formats, the public image's alias, instance states and the password rules.
@Suite struct TencentProfileTests {
    @Test func aCustomImageIsNamedByItsShortIDAndAPublicOneByAStableDigest() {
        #expect(TencentProfile.imageID("m-abcdefgh0123456789xy") == "img-abcdefgh")
        let debian = TencentProfile.imageID("debian_12_x64_keyward.vhd")
        #expect(debian == TencentProfile.imageID("debian_12_x64_keyward.vhd"))
        #expect(debian != TencentProfile.imageID("win2022_datacenter_x64_keyward.vhd"))
        #expect(TencentProfile.shortID(debian, prefix: TencentProfile.imageIDPrefix) != nil, "\(debian) is not img- and 8 of [a-z0-9]")
    }

    @Test(arguments: [
        ("ins-abcd1234", "abcd1234"), ("ins-ABCD1234", nil), ("ins-abcd123", nil), ("ins-abcd12345", nil), ("i-abcd1234", nil), ("ins-abcd-234", nil),
    ] as [(String, String?)])
    func shortIDsAreEightLowercaseLettersOrDigits(id: String, short: String?) {
        #expect(TencentProfile.shortID(id, prefix: TencentProfile.instanceIDPrefix) == short)
    }

    static func instance(_ status: InstanceStatus, _ operation: (InstanceOperation.Kind, InstanceOperation.State)?) -> Instance {
        var instance = Instance(
            id: "i-abcdefgh0123456789xy", accountID: "a", regionID: "ap-guangzhou", name: "n", hostName: "h", imageID: "img", instanceType: "S5.MEDIUM2",
            osType: .linux, status: status, bound: InstanceCredentials(), effective: nil, firstBootPending: false, passwordInherit: false, endpoint: nil,
            userData: "", metadataTokensRequired: false, metadataEnabled: true, creationTime: Date(), startTime: nil, firstBootReport: []
        )
        instance.latestOperation = operation.map { InstanceOperation(kind: $0.0, state: $0.1, requestID: "r", startTime: Date()) }
        return instance
    }

    @Test func statesAreTencentsWithRebootingAndLaunchFailedFromTheLatestOperation() {
        #expect(TencentProfile.state(Self.instance(.running, nil)) == "RUNNING")
        #expect(TencentProfile.state(Self.instance(.starting, (.reboot, .operating))) == "REBOOTING")
        #expect(TencentProfile.state(Self.instance(.starting, (.start, .operating))) == "STARTING")
        #expect(TencentProfile.state(Self.instance(.stopped, (.launch, .failed))) == "LAUNCH_FAILED")
        #expect(TencentProfile.state(Self.instance(.stopped, (.stop, .success))) == "STOPPED")
        #expect(TencentProfile.statuses(named: "RUNNING") == [.running])
        #expect(TencentProfile.statuses(named: "running") == nil, "state names are upper case")
        #expect(TencentProfile.instanceID("i-abcdefgh0123456789xy") == "ins-abcdefgh")
    }

    @Test(arguments: [
        ("Abcdefg1", true, true), ("abcdefg1", true, false), ("abcdefgh", false, false), ("/Abcdefg1", true, false),
        ("Abc\"efg1", false, false), ("Aa1!" + String(repeating: "x", count: 26), true, true), ("Aa1!" + String(repeating: "x", count: 27), false, false),
    ])
    func launchTakesTwoClassesAndResetThreeWithoutALeadingSlash(password: String, launch: Bool, reset: Bool) {
        let launchAccepts = (try? TencentProfile.launchPasswordPolicy(for: .linux).validate(password)) != nil
        let resetAccepts = (try? TencentProfile.resetPasswordPolicy(for: .linux).validate(password)) != nil
        #expect(launchAccepts == launch, "RunInstances: \(password)")
        #expect(resetAccepts == reset, "ResetInstancesPassword: \(password)")
    }

    @Test func windowsNeedsTwelveCharactersOfThreeClasses() throws {
        #expect(throws: DomainError.self) { try TencentProfile.launchPasswordPolicy(for: .windows).validate("Abcdefg1!") }
        #expect(throws: DomainError.self) { try TencentProfile.resetPasswordPolicy(for: .windows).validate("abcdefghijk1") }
        try TencentProfile.launchPasswordPolicy(for: .windows).validate("Abcdefghijk1")
    }

    @Test func aLeadingSlashIsNamedAsTheBrokenRule() {
        #expect(throws: DomainError.invalidPassword(reason: "the password must not start with /")) {
            try TencentProfile.resetPasswordPolicy(for: .linux).validate("/Abcdefg1")
        }
    }

    @Test func everyInstanceTypeIsFamilyDotSize() {
        #expect(CVMInstanceType.named("S5.MEDIUM2") == CVMInstanceType(name: "S5.MEDIUM2", cpu: 2, memory: 2))
        #expect(CVMInstanceType.named("ecs.g7.large") == nil)
        #expect(CVMInstanceType.all.allSatisfy { $0.name.hasPrefix($0.family + ".") && $0.cpu > 0 && $0.memory > 0 })
    }
}
