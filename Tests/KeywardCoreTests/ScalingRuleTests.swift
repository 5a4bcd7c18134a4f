import Foundation
import KeywardCore
import Testing

/// Auto Scaling's capacity arithmetic and removal order, without I/O.
@Suite struct ScalingRuleTests {
    @Test(arguments: [
        (ScalingAdjustment.quantity(3), 2, 0...3, 3),         // +3 at 2 with MaxSize 3 is +1
        (.quantity(-5), 4, 1...10, 1),                        // never below MinSize
        (.percent(50, minimumMagnitude: nil), 4, 0...10, 6),
        (.percent(10, minimumMagnitude: nil), 5, 0...10, 6),  // 0.5 rounds up
        (.percent(10, minimumMagnitude: 2), 4, 0...10, 6),    // 0.4 → 0, lifted to the minimum magnitude
        (.percent(-50, minimumMagnitude: nil), 4, 0...10, 2),
        (.total(7), 2, 0...5, 5),
    ] as [(ScalingAdjustment, Int, ClosedRange<Int>, Int)])
    func adjustmentsAreClampedToTheGroupsBounds(adjustment: ScalingAdjustment, current: Int, bounds: ClosedRange<Int>, expected: Int) throws {
        #expect(try adjustment.target(current: current, bounds: bounds) == expected)
    }

    @Test func anAdjustmentThatChangesNothingIsRefused() {
        #expect(throws: DomainError.incorrectCapacity(.noChange)) { try ScalingAdjustment.quantity(2).target(current: 3, bounds: 0...3) }
        #expect(throws: DomainError.incorrectCapacity(.noChange)) { try ScalingAdjustment.total(1).target(current: 1, bounds: 0...3) }
    }

    @Test func adjustmentsAreParsedWithinTheirRanges() throws {
        #expect(try ScalingAdjustment.parse(type: "TotalCapacity", value: 4, minimumMagnitude: nil) == .total(4))
        #expect(throws: DomainError.self) { try ScalingAdjustment.parse(type: "QuantityChangeInCapacity", value: 1001, minimumMagnitude: nil) }
        #expect(throws: DomainError.self) { try ScalingAdjustment.parse(type: "PercentChangeInCapacity", value: -101, minimumMagnitude: nil) }
        #expect(throws: DomainError.self) { try ScalingAdjustment.parse(type: "Exact", value: 1, minimumMagnitude: nil) }
    }

    @Test func sizesMustBeOrdered() throws {
        try ScalingGroup.validateSizes(minSize: 1, maxSize: 3, desiredCapacity: 2)
        #expect(throws: DomainError.parameterConflict("MinSize", "MaxSize")) { try ScalingGroup.validateSizes(minSize: 4, maxSize: 3, desiredCapacity: nil) }
        #expect(throws: DomainError.parameterConflict("DesiredCapacity", "MinSize")) { try ScalingGroup.validateSizes(minSize: 1, maxSize: 3, desiredCapacity: 4) }
        #expect(throws: DomainError.self) { try ScalingGroup.validateSizes(minSize: 0, maxSize: 2001, desiredCapacity: nil) }
    }

    static func member(_ id: String, minutesAgo: Double, configuration: String, protected: Bool = false) -> ScalingMember {
        ScalingMember(
            instanceID: id, groupID: "asg-1", accountID: "a", configurationID: configuration, creationType: .autoCreated, state: .inService,
            isProtected: protected, isEntrusted: false, activityID: nil, creationTime: Date(timeIntervalSinceNow: -minutesAgo * 60)
        )
    }

    @Test func scaleInFollowsTheRemovalPoliciesAndSparesProtectedInstances() {
        let members = [
            Self.member("i-new-old-config", minutesAgo: 1, configuration: "asc-old"),
            Self.member("i-oldest", minutesAgo: 30, configuration: "asc-new"),
            Self.member("i-middle", minutesAgo: 20, configuration: "asc-new"),
            Self.member("i-protected", minutesAgo: 60, configuration: "asc-old", protected: true),
        ]
        let ages = ["asc-old": 0, "asc-new": 1]
        let byDefault = RemovalOrder.choose(2, from: members, policies: ScalingGroup.defaultRemovalPolicies, configurationAge: ages).map(\.instanceID)
        #expect(byDefault == ["i-new-old-config", "i-oldest"])
        #expect(RemovalOrder.choose(1, from: members, policies: [.newestInstance], configurationAge: ages).map(\.instanceID) == ["i-new-old-config"])
        #expect(RemovalOrder.choose(9, from: members, policies: [.oldestInstance], configurationAge: ages).map(\.instanceID) == ["i-oldest", "i-middle", "i-new-old-config"])
    }

    @Test func namesFollowESSsRule() throws {
        try ScalingGroup.validateName("web-1.a_b", parameter: "ScalingGroupName")
        #expect(throws: DomainError.self) { try ScalingGroup.validateName("-web", parameter: "ScalingGroupName") }
        #expect(throws: DomainError.self) { try ScalingGroup.validateName("w", parameter: "ScalingGroupName") }
        #expect(throws: DomainError.self) { try ScalingGroup.validateName("web group", parameter: "ScalingGroupName") }
    }
}
