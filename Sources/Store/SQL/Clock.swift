import Foundation

enum Clock {
    static func nowSeconds() -> Int64 { Int64(Date().timeIntervalSince1970) }
}

extension Date {
    var epochSeconds: Int64 { Int64(timeIntervalSince1970.rounded(.down)) }
    init(epochSeconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(epochSeconds)) }
}

extension Date {
    var epochMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }
    init(epochMilliseconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(epochMilliseconds) / 1000) }
}
