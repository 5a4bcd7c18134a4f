/// How a rule or ScaleWithAdjustment changes a group's capacity; the result is kept within the group's bounds.
public enum ScalingAdjustment: Sendable, Hashable, Codable {
    case quantity(Int)
    /// Percent of the current capacity, rounded, moving at least `minimumMagnitude` instances when set.
    case percent(Int, minimumMagnitude: Int?)
    case total(Int)

    /// From the wire's AdjustmentType and AdjustmentValue, within ESS's documented ranges.
    public static func parse(type: String, value: Int, minimumMagnitude: Int?) throws(DomainError) -> ScalingAdjustment {
        switch type {
        case "QuantityChangeInCapacity":
            guard (-1000...1000).contains(value) else { throw .invalidParameter(name: "AdjustmentValue", reason: "must be -1000 to 1000") }
            return .quantity(value)
        case "PercentChangeInCapacity":
            guard (-100...10000).contains(value) else { throw .invalidParameter(name: "AdjustmentValue", reason: "must be -100 to 10000") }
            if let minimumMagnitude, minimumMagnitude < 1 { throw .invalidParameter(name: "MinAdjustmentMagnitude", reason: "must be at least 1") }
            return .percent(value, minimumMagnitude: minimumMagnitude)
        case "TotalCapacity":
            guard (0...ScalingGroup.sizeLimit).contains(value) else { throw .invalidParameter(name: "AdjustmentValue", reason: "must be 0 to 2000") }
            return .total(value)
        default:
            throw .invalidParameter(name: "AdjustmentType", reason: "must be QuantityChangeInCapacity, PercentChangeInCapacity or TotalCapacity")
        }
    }

    /// The wire's AdjustmentType.
    public var typeName: String {
        switch self {
        case .quantity: "QuantityChangeInCapacity"
        case .percent: "PercentChangeInCapacity"
        case .total: "TotalCapacity"
        }
    }

    /// The wire's AdjustmentValue.
    public var value: Int {
        switch self {
        case .quantity(let n), .percent(let n, _), .total(let n): n
        }
    }

    /// The capacity to move to from `current`, clamped to `bounds`; `DomainError.incorrectCapacity(.noChange)` when it
    /// would stay the same.
    public func target(current: Int, bounds: ClosedRange<Int>) throws(DomainError) -> Int {
        let wanted: Int
        switch self {
        case .quantity(let change):
            wanted = current + change
        case .percent(let percent, let minimum):
            var change = Int((Double(current) * Double(percent) / 100).rounded())
            if let minimum, percent != 0, abs(change) < minimum { change = percent > 0 ? minimum : -minimum }
            wanted = current + change
        case .total(let total):
            wanted = total
        }
        let target = min(max(wanted, bounds.lowerBound), bounds.upperBound)
        guard target != current else { throw .incorrectCapacity(.noChange) }
        return target
    }
}
