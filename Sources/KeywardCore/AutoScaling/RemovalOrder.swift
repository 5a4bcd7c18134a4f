import Foundation

/// Which instances a scale-in removes: never protected ones, in the order of the group's removal policies.
public enum RemovalOrder {
    /// The `count` members to remove; `configurationAge` ranks each configuration id (older is smaller).
    public static func choose(_ count: Int, from members: [ScalingMember], policies: [RemovalPolicy], configurationAge: [String: Int]) -> [ScalingMember] {
        let candidates = members.filter { !$0.isProtected && $0.state != .removing }
        let sorted = candidates.sorted { a, b in
            for policy in policies {
                switch policy {
                case .oldestScalingConfiguration:
                    let (ageA, ageB) = (a.configurationID.flatMap { configurationAge[$0] } ?? -1, b.configurationID.flatMap { configurationAge[$0] } ?? -1)
                    if ageA != ageB { return ageA < ageB }
                case .oldestInstance:
                    if a.creationTime != b.creationTime { return a.creationTime < b.creationTime }
                case .newestInstance:
                    if a.creationTime != b.creationTime { return a.creationTime > b.creationTime }
                }
            }
            return a.instanceID < b.instanceID
        }
        return Array(sorted.prefix(count))
    }
}
