/// The Tencent-shaped instance types Keyward offers in every zone of Tencent's regions (`FAMILY.SIZE`, as
/// DescribeInstanceTypeConfigs lists them): the standard S5 and SA2/SA5 families in the smaller sizes a sandbox runs.
struct CVMInstanceType: Sendable, Hashable {
    let name: String
    let cpu: Int
    /// GiB.
    let memory: Int

    var family: String { String(name.prefix { $0 != "." }) }

    static let all: [CVMInstanceType] = ["S5", "SA2", "SA5"].flatMap { family in
        [("SMALL1", 1, 1), ("SMALL2", 1, 2), ("SMALL4", 1, 4), ("MEDIUM2", 2, 2), ("MEDIUM4", 2, 4), ("MEDIUM8", 2, 8), ("LARGE8", 4, 8), ("LARGE16", 4, 16)]
            .map { CVMInstanceType(name: "\(family).\($0.0)", cpu: $0.1, memory: $0.2) }
    }

    static func named(_ name: String) -> CVMInstanceType? {
        all.first { $0.name == name }
    }
}
